from odoo import fields, models

BATCH_SIZE = 200  # as the scheduled action


class AiomBrainLoopRun(models.TransientModel):
    _name = "aiom.brain.loop.run"
    _description = "AI COO: run the brain loop now"

    lastcall = fields.Datetime("Last scheduled run", compute="_compute_schedule")
    nextcall = fields.Datetime("Next scheduled run", compute="_compute_schedule")

    def _cron(self):
        # Scheduled actions are readable by administrators only; managers see these two dates.
        return self.env.ref("aiom_coo.ir_cron_brain_loop", raise_if_not_found=False).sudo()

    def _compute_schedule(self):
        cron = self._cron()
        for wizard in self:
            wizard.lastcall = cron.lastcall if cron else False
            wizard.nextcall = cron.nextcall if cron and cron.active else False

    def action_run(self):
        """One round of the brain loop, now, exactly as the scheduled action runs it: as the AI COO
        Operator, batches of 200. Says what it did; when more findings wait, the scheduled action
        is triggered to go on in the background."""
        operator = self.env.ref("aiom_coo.user_aiom_operator")
        Action = self.env["aiom.action"].with_env(self.env(user=operator.id, context={}))
        outcome = Action._cron_brain_loop(batch_size=BATCH_SIZE)
        more = outcome.pop("more")
        counts = {name: len(records) for name, records in outcome.items()}
        message = self.env._(
            "Expired: %(expired)s, stopped: %(stopped)s, proposed: %(proposed)s, retried: %(retried)s, "
            "executed: %(executed)s.",
            **counts,
        )
        if more and self._cron():
            self._cron()._trigger()
            message += " " + self.env._("More findings wait: the scheduled action goes on in the background.")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Brain loop run"),
                "message": message,
                "sticky": False,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
