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
    # Precomputed: set in the insert, not by an UPDATE of every follow-up the loop files.
    company_id = fields.Many2one(related="analyzer_id.company_id", store=True, index=True, precompute=True)
    target_model = fields.Char(required=True, index=True)
    target_res_id = fields.Many2oneReference(model_field="target_model", required=True, index=True)
    level_id = fields.Many2one("aiom.analyzer.level", ondelete="set null", index=True)
    action_id = fields.Many2one("aiom.action", ondelete="set null", index=True)
    action_state = fields.Selection(related="action_id.state", string="Proposal state")
    # Not create_date: the loop compares it with its own clock (which tests move with freezegun).
    date = fields.Datetime(default=fields.Datetime.now, required=True, index=True)
    # What the proposal said about the record (a balance, the last contact): see _fingerprints.
    fingerprint = fields.Char(readonly=True)
    state = fields.Selection([("live", "Live"), ("stopped", "Stopped")], default="live", required=True, index=True)
    # When the loop last compared the record with the fingerprint (first: when it was taken).
    checked_date = fields.Datetime(default=fields.Datetime.now, readonly=True, index=True)

    @api.model
    def _stop_resolved(self, batch_size):
        """Stop the follow-ups whose record was resolved (paid, won, lost) or changed (another
        balance, a contact) while their proposal waited or after it failed; the pending proposals
        are cancelled, and the records still open are proposed again as they are now.

        Looks at ``batch_size`` live follow-ups of pending and failed proposals, those checked
        longest ago first (a new one was checked when proposed): a round costs one batch whatever
        the number of open proposals, and each is looked at again within a few rounds. Nothing
        outdated is executed meanwhile: the approval checks its follow-ups again.
        """
        live = self.search(
            [("state", "=", "live"), ("action_id.state", "in", ("pending", "failed"))],
            order="checked_date ASC NULLS FIRST, id",
            limit=batch_size,
        )
        if not live:
            return self.browse()
        stopped = self._stop_if_outdated(live)
        (live - stopped).checked_date = fields.Datetime.now()
        return stopped

    def _stop_if_outdated(self, live):
        stopped = self.browse()
        for analyzer in live.analyzer_id:
            mine = live.filtered(lambda followup, a=analyzer: followup.analyzer_id == a)
            resolved, changed = analyzer._outdated(mine)
            outdated = mine.filtered(lambda f, ids=set((resolved | changed).ids): f.target_res_id in ids)
            for action in outdated.action_id.filtered(lambda a: a.state == "pending"):
                action.action_cancel()
                targets = set(outdated.filtered(lambda f, a=action: f.action_id == a).mapped("target_res_id"))
                mine_changed = changed.filtered(lambda record, ids=targets: record.id in ids)
                if mine_changed:
                    body = self.env._(
                        "Withdrawn by the brain loop: %s. It is proposed again as it is now.",
                        analyzer._kind()._changed_message(mine_changed),
                    )
                else:
                    body = self.env._("Cancelled by the brain loop: the situation was resolved meanwhile.")
                action.message_post(body=body)
            # Every follow-up of a withdrawn action stops: the records still open get a fresh proposal.
            ended = self.search([("action_id", "in", outdated.action_id.ids), ("state", "=", "live")])
            ended.state = "stopped"
            stopped |= ended
        return stopped
