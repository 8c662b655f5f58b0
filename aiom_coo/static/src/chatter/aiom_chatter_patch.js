import { onWillStart } from "@odoo/owl";
import { Chatter } from "@mail/chatter/web_portal/chatter";
import { user } from "@web/core/user";
import { useService } from "@web/core/utils/hooks";
import { patch } from "@web/core/utils/patch";

// "Ask AI COO" in every record's chatter: the planner's dialog with the record as context.
patch(Chatter.prototype, {
    setup() {
        super.setup(...arguments);
        this.aiomActionService = useService("action");
        this.aiomMayAsk = false;
        onWillStart(async () => {
            this.aiomMayAsk = await user.hasGroup("aiom_coo.group_aiom_user");
        });
    },

    get aiomShowAsk() {
        return this.aiomMayAsk && this.props.threadId && this.props.threadModel !== "aiom.action";
    },

    onClickAiomAsk() {
        this.aiomActionService.doAction("aiom_coo.aiom_planner_ask_action", {
            additionalContext: {
                default_target_model: this.props.threadModel,
                default_target_res_id: this.props.threadId,
            },
        });
    },
});
