import { Component, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { useAutofocus } from "@web/core/utils/hooks";

/** Asks why an action is rejected; the reason goes to the action and its chatter. */
export class AiomRejectDialog extends Component {
    static template = "aiom_coo.AiomRejectDialog";
    static components = { Dialog };
    static props = {
        actionName: String,
        reject: Function,
        close: Function,
    };

    setup() {
        this.state = useState({ reason: "", busy: false, error: "" });
        useAutofocus({ refName: "reason" });
    }

    async confirm() {
        const reason = this.state.reason.trim();
        if (!reason || this.state.busy) {
            return;
        }
        this.state.busy = true;
        this.state.error = "";
        try {
            await this.props.reject(reason);
            this.props.close();
        } catch (error) {
            this.state.error = error.data?.message || error.message || String(error);
        } finally {
            this.state.busy = false;
        }
    }
}
