from odoo import api, fields, models


class AiomFollowup(models.Model):
    """The follow-up memory: which record got which level, through which action.

    A record with a live follow-up at a level is not proposed again at that level, whatever became
    of the proposal (a person's rejection stands). A follow-up stops when its record is resolved
    (deal won or lost, invoice paid), which also cancels its proposal if still pending.
    """

    _name = "aiom.followup"
    _description = "AI COO follow-up"
    _order = "id desc"

    analyzer_id = fields.Many2one("aiom.analyzer", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="analyzer_id.company_id", store=True, index=True)
    target_model = fields.Char(required=True, index=True)
    target_res_id = fields.Many2oneReference(model_field="target_model", required=True, index=True)
    level_id = fields.Many2one("aiom.analyzer.level", ondelete="set null", index=True)
    action_id = fields.Many2one("aiom.action", ondelete="set null", index=True)
    action_state = fields.Selection(related="action_id.state", string="Proposal state")
    # Not create_date: the loop compares it with its own clock (which tests move with freezegun).
    date = fields.Datetime(default=fields.Datetime.now, required=True, index=True)
    state = fields.Selection([("live", "Live"), ("stopped", "Stopped")], default="live", required=True, index=True)

    @api.model
    def _stop_resolved(self, batch_size):
        """Stop follow-ups whose record is resolved, cancelling their pending proposals.

        Looks at every pending analyzer proposal, by chunks: the cost follows the number of open
        proposals, not the size of the database.
        """
        stopped = self.browse()
        pending = self.env["aiom.action"].search([("state", "=", "pending"), ("analyzer_id", "!=", False)], order="id")
        for start in range(0, len(pending), batch_size):
            live = self.search([("action_id", "in", pending[start : start + batch_size].ids), ("state", "=", "live")])
            stopped |= self._stop_if_resolved(live)
        return stopped

    def _stop_if_resolved(self, live):
        stopped = self.browse()
        for analyzer in live.analyzer_id:
            mine = live.filtered(lambda followup, a=analyzer: followup.analyzer_id == a)
            records = self.env[mine[0].target_model].browse(mine.mapped("target_res_id")).exists()
            still_open = set(analyzer._still_open(records).ids)
            resolved = mine.filtered(lambda followup, open_ids=still_open: followup.target_res_id not in open_ids)
            for action in resolved.action_id:
                action.action_cancel()
                action.message_post(
                    body=self.env._("Cancelled by the brain loop: the situation was resolved meanwhile.")
                )
            # Every follow-up of a cancelled action stops: the records still open get a fresh proposal.
            ended = self.search([("action_id", "in", resolved.action_id.ids), ("state", "=", "live")])
            ended.state = "stopped"
            stopped |= ended
        return stopped
