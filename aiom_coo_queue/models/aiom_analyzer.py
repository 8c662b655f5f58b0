import logging

from odoo import models
from odoo.exceptions import AccessError

from odoo.addons.queue_job.job import ENQUEUED, PENDING, STARTED, WAIT_DEPENDENCIES, identity_exact

from .aiom_action import CHANNEL

_logger = logging.getLogger(__name__)

# A job's batches within its range, at most: as ir.cron bounds the synchronous loop's calls, since a
# finding the engine refuses stays a finding and would fill every batch again.
MAX_BATCHES = 10
WAITING = (WAIT_DEPENDENCIES, PENDING, ENQUEUED, STARTED)


def id_ranges(ids, size):
    """Contiguous ``(low, high)`` ranges over the ascending ``ids``, at most ``size`` of them each:
    a range runs up to the next one's first id, so that no id between two ranges is left out.
    The ranges are as even as can be (5,001 ids by 1,000: 6 of 834, not 5 and 1): jobs that take
    the same time keep every worker busy to the end."""
    count = -(-len(ids) // size)  # ceil
    size = -(-len(ids) // count) if count else size
    lows = ids[::size]
    highs = [low - 1 for low in lows[1:]] + ids[-1:]
    return list(zip(lows, highs, strict=True))


class AiomAnalyzer(models.Model):
    _inherit = "aiom.analyzer"

    def _run_batch(self, batch_size, strict=False, id_range=None):
        """With queueing on, the scheduled loop fans out: each analyzer's candidates cut into
        even ranges of at most ``batch_size``, one independent job per range, all enqueued at once.

        ``strict`` runs (the Run now button) and the jobs themselves still run here.
        """
        if strict or self.env.context.get("aiom_queue_inline") or not self.env["aiom.action"]._aiom_queue_enabled():
            return super()._run_batch(batch_size, strict=strict, id_range=id_range)
        busy = self._aiom_jobs_waiting()
        for analyzer in self - busy:
            analyzer._aiom_delay_ranges(batch_size)
        return self.env["aiom.action"], False

    def _aiom_jobs_waiting(self):
        """The analyzers of ``self`` with a job not finished yet. Their ranges were cut from the
        candidates of an earlier round: cut again after some jobs filed theirs, they would overlap
        the ranges still waiting, so the next ones are cut once all are done."""
        jobs = (
            self.env["queue.job"]
            .sudo()
            .search([("model_name", "=", self._name), ("method_name", "=", "_aiom_job_run"), ("state", "in", WAITING)])
        )
        return self.browse({record_id for job in jobs for record_id in job.records.ids}) & self

    def _aiom_delay_ranges(self, batch_size):
        self.ensure_one()
        analyzer = self.with_company(self.company_id)
        try:
            ids = analyzer._kind()._candidate_ids(analyzer)
        except AccessError as error:
            # As the synchronous loop does: skipped with a warning, the other analyzers still run.
            _logger.warning(
                "AI COO brain loop: %s may not read what %s watches: %s", self.env.user.name, self.name, error
            )
            return
        for low, high in [(None, None)] if ids is None else id_ranges(ids, batch_size):
            self._aiom_delay_run(batch_size, low, high)

    def _aiom_delay_run(self, batch_size, low=None, high=None):
        self.ensure_one()
        # identity_exact: while a range's job waits, the next brain-loop round adds no second one.
        self.with_delay(
            channel=CHANNEL,
            identity_key=identity_exact,
            description=self.env._("AI COO: run analyzer %s", self.name)
            if low is None
            else self.env._(
                "AI COO: run analyzer %(name)s on candidates %(low)s to %(high)s", name=self.name, low=low, high=high
            ),
        )._aiom_job_run(batch_size, low, high)

    def _aiom_job_run(self, batch_size, low=None, high=None):
        """The candidates of one range (all of them without one), batch after batch until a batch
        is not full: the synchronous loop's rule, so that the jobs file what it files."""
        self.ensure_one()
        id_range = None if low is None else (low, high)
        analyzer = self.with_context(aiom_queue_inline=True)
        actions = self.env["aiom.action"]
        for _batch in range(MAX_BATCHES):
            filed, more = analyzer._run_batch(batch_size, id_range=id_range)
            actions |= filed
            if not more:
                break
        return self.env._("%s new proposal(s).", len(actions))
