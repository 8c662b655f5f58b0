import { Component, markup, onWillStart, onWillUpdateProps, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

/**
 * "What will change": the preview of an action's plan in words (aiom.action.get_preview), read
 * with the viewer's rights. On the form it shows in full, above the raw plan; on a kanban card
 * (compact) it is a toggle that loads the preview when opened, so a column of cards costs nothing.
 */
export class AiomActionPreview extends Component {
    static template = "aiom_coo.AiomActionPreview";
    static props = { ...standardWidgetProps, compact: { type: Boolean, optional: true } };

    setup() {
        this.orm = useService("orm");
        this.state = useState({ open: !this.props.compact, loading: false, preview: null, error: "" });
        onWillStart(() => (this.state.open ? this.load(this.props) : undefined));
        onWillUpdateProps((next) => {
            const changed =
                next.record.resId !== this.props.record.resId ||
                next.record.data.state !== this.props.record.data.state;
            if (changed && this.state.open) {
                return this.load(next);
            }
        });
    }

    get visible() {
        // Before a decision: a pending proposal, or a failed one that may be retried.
        const states = this.props.compact ? ["pending"] : ["pending", "failed"];
        return Boolean(this.props.record.resId) && states.includes(this.props.record.data.state);
    }

    async load(props) {
        if (!props.record.resId) {
            return;
        }
        this.state.loading = true;
        this.state.error = "";
        try {
            const previews = await this.orm.call("aiom.action", "get_preview", [[props.record.resId]]);
            const preview = previews[props.record.resId];
            for (const step of preview.steps) {
                step.body = step.body ? markup(step.body) : false;
            }
            this.state.preview = preview;
        } catch (error) {
            this.state.error = error.data?.message || error.message || _t("The preview could not be read.");
        } finally {
            this.state.loading = false;
        }
    }

    async toggle() {
        this.state.open = !this.state.open;
        if (this.state.open && !this.state.preview) {
            await this.load(this.props);
        }
    }
}

export const aiomActionPreview = {
    component: AiomActionPreview,
    extractProps: ({ attrs }) => ({ compact: Boolean(attrs.compact) }),
    fieldDependencies: [{ name: "state", type: "selection" }],
};

registry.category("view_widgets").add("aiom_action_preview", aiomActionPreview);
