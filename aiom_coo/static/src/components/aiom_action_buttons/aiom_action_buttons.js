import { Component, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";
import { AiomRejectDialog } from "../aiom_reject_dialog/aiom_reject_dialog";

const NOTIFICATION_DELAY = 3000;

/**
 * Approve & Execute (or Retry) and Reject on an action's kanban card. The arch shows this widget
 * to approvers only (groups="aiom_coo.group_aiom_approver").
 */
export class AiomActionButtons extends Component {
    static template = "aiom_coo.AiomActionButtons";
    static props = { ...standardWidgetProps };

    setup() {
        this.orm = useService("orm");
        this.notification = useService("notification");
        this.dialog = useService("dialog");
        this.state = useState({ busy: false, executed: false, error: "" });
    }

    get actionState() {
        return this.props.record.data.state;
    }

    get visible() {
        return (
            this.state.executed ||
            Boolean(this.state.error) ||
            ["pending", "failed"].includes(this.actionState)
        );
    }

    get approveLabel() {
        return this.actionState === "failed" ? _t("Retry") : _t("Approve & Execute");
    }

    async onApprove() {
        if (this.state.busy || this.state.executed) {
            return;
        }
        const record = this.props.record;
        const method = this.actionState === "failed" ? "action_retry" : "action_approve";
        this.state.busy = true;
        this.state.error = "";
        let ran = false;
        try {
            // action_approve returns True even when execution fails: the record tells the outcome.
            await this.orm.call("aiom.action", method, [[record.resId]]);
            ran = true;
            const [action] = await this.orm.read("aiom.action", [record.resId], [
                "state",
                "error_message",
            ]);
            if (action.state === "executed") {
                this.state.executed = true;
                this.notification.add(_t("“%s” was executed.", record.data.name), {
                    type: "success",
                    sticky: false,
                    autocloseDelay: NOTIFICATION_DELAY,
                });
            } else {
                this.state.error = action.error_message || _t("The action did not execute.");
            }
        } catch (error) {
            this.state.error = error.data?.message || error.message || String(error);
        } finally {
            this.state.busy = false;
        }
        if (ran) {
            // Reload the inbox: the card moves to its new column (Executed, or Failed with its error).
            await record.model.load();
        } else {
            // Refused (taken by someone else, no longer pending...): keep this card and its error.
            await record.load();
        }
    }

    onReject() {
        const record = this.props.record;
        this.dialog.add(AiomRejectDialog, {
            actionName: record.data.name,
            reject: async (reason) => {
                await this.orm.call("aiom.action", "action_reject", [[record.resId]], { reason });
                await record.model.load();
            },
        });
    }
}

export const aiomActionButtons = {
    component: AiomActionButtons,
    fieldDependencies: [
        { name: "state", type: "selection" },
        { name: "name", type: "char" },
    ],
};

registry.category("view_widgets").add("aiom_action_buttons", aiomActionButtons);
