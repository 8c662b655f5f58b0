import { Component } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

const STATE_CLASSES = {
    pending: "text-bg-light",
    done: "text-bg-success",
    failed: "text-bg-danger",
    skipped: "text-bg-secondary",
};

/**
 * The plan of an action, read-only: one block per step with its parameters and its result.
 * The step fields come from the <list> inside the field in the form arch.
 */
export class AiomPlanField extends Component {
    static template = "aiom_coo.AiomPlanField";
    static props = { ...standardFieldProps };

    get steps() {
        const list = this.props.record.data[this.props.name];
        return list.records.map((step) => {
            const fields = step.fields;
            const selectionLabel = (name) =>
                Object.fromEntries(fields[name].selection)[step.data[name]] || step.data[name];
            return {
                id: step.resId || step.id,
                name: step.data.name,
                typeLabel: selectionLabel("action_type"),
                icon: step.data.type_icon || "fa-bolt",
                state: step.data.state,
                stateLabel: selectionLabel("state"),
                stateClass: STATE_CLASSES[step.data.state] || "text-bg-light",
                parameters: this.entries(step.data.parameters),
                result: this.entries(step.data.result),
                error: step.data.error_message,
            };
        });
    }

    /** Key/value rows of a JSON object; nested values stay JSON, texts stay as written. */
    entries(value) {
        if (!value || typeof value !== "object") {
            return [];
        }
        return Object.entries(value).map(([key, item]) => ({
            key,
            text: typeof item === "string" ? item : JSON.stringify(item, null, 1),
            isReference: typeof item === "string" && item.includes("{{"),
            isCode: typeof item !== "string",
        }));
    }
}

export const aiomPlanField = {
    component: AiomPlanField,
    supportedTypes: ["one2many"],
};

registry.category("fields").add("aiom_plan", aiomPlanField);
