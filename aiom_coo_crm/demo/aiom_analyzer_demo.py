from odoo import api, models


class AiomAnalyzer(models.Model):
    _inherit = "aiom.analyzer"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _demo_follow_up_stalled_deals(self):
        """The brain loop's pass over the demo opportunities, run for real as the operator; then the
        administrator executes the follow-up of the deal without email and rejects another one."""
        Action = self.env["aiom.action"]
        analyzer = self.env.ref("aiom_coo_crm.analyzer_stalled_deals")
        proposals = analyzer.with_user(self.env.ref("aiom_coo.user_aiom_operator"))._run(batch_size=200)
        Action._demo_name(proposals, "aiom_coo_crm")
        executed = Action._demo_proposal_for(self.env.ref("aiom_coo_crm.demo_lead_reception"))
        rejected = Action._demo_proposal_for(self.env.ref("aiom_coo_crm.demo_lead_mats"))
        Action._demo_play(
            [
                (executed, "approve", None),
                (rejected, "reject", None, "I met them at the trade fair on Monday: they decide next week."),
            ]
        )
