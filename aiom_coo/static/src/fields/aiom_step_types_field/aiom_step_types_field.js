import { Component } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

/**
 * A list of step type codes (a Json field) edited as checkboxes. The choices come from the step
 * types the server knows (the record's `auto_step_type_options`), so a new step type shows up
 * here without any change to this widget.
 */
export class AiomStepTypesField extends Component {
    static template = "aiom_coo.AiomStepTypesField";
    static props = { ...standardFieldProps };

    get options() {
        const selected = new Set(this.props.record.data[this.props.name] || []);
        const options = this.props.record.data.auto_step_type_options || [];
        return options.map((option) => ({ ...option, checked: selected.has(option.value) }));
    }

    onToggle(value, checked) {
        const current = (this.props.record.data[this.props.name] || []).filter((code) => code !== value);
        this.props.record.update({ [this.props.name]: checked ? [...current, value] : current });
    }
}

export const aiomStepTypesField = {
    component: AiomStepTypesField,
    supportedTypes: ["json"],
    relatedFields: [{ name: "auto_step_type_options", type: "json" }],
};

registry.category("fields").add("aiom_step_types", aiomStepTypesField);
