from odoo import models

from odoo.addons.queue_job.job import identity_exact

from .aiom_action import CHANNEL


class AiomAnalyzer(models.Model):
    _inherit = "aiom.analyzer"

    def _run_batch(self, batch_size, strict=False):
        """With queueing on, the scheduled loop fans out: one job per analyzer and batch.

        ``strict`` runs (the Run now button) and the jobs themselves still run here.
        """
        if strict or self.env.context.get("aiom_queue_inline") or not self.env["aiom.action"]._aiom_queue_enabled():
            return super()._run_batch(batch_size, strict=strict)
        for analyzer in self:
            analyzer._aiom_delay_run(batch_size)
        return self.env["aiom.action"], False

    def _aiom_delay_run(self, batch_size):
        self.ensure_one()
        # identity_exact: while a batch of this analyzer waits, the next brain-loop round adds none.
        self.with_delay(
            channel=CHANNEL,
            identity_key=identity_exact,
            description=self.env._("AI COO: run analyzer %s", self.name),
        )._aiom_job_run(batch_size)

    def _aiom_job_run(self, batch_size):
        """One batch of proposals; a full batch of candidates means more may wait: queue the next
        one. Exactly the synchronous loop's rule, so both file the same proposals."""
        self.ensure_one()
        actions, more = self.with_context(aiom_queue_inline=True)._run_batch(batch_size)
        if more:
            self._aiom_delay_run(batch_size)
        return self.env._("%s new proposal(s).", len(actions))
