import logging

from odoo import api, models
from odoo.exceptions import UserError

from odoo.addons.aiom_coo.exceptions import ActionBusy
from odoo.addons.aiom_coo.models.aiom_action import APPROVED, FAILED, PENDING
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import identity_exact

from .res_config_settings import QUEUE_PARAM

_logger = logging.getLogger(__name__)

CHANNEL = "root.aiom"
# A job that finds the action locked by a person or another job tries again this much later.
LOCKED_RETRY_SECONDS = 10


class AiomAction(models.Model):
    """Approvals that execute in a queue_job worker.

    One state machine and one failure path: approving (a person through the API, the operator in
    the brain loop) checks everything an immediate approval checks and moves the action to
    ``approved``, so everyone sees it taken; the job then runs it through the engine, which records
    success or failure as it always does, and the job ends normally either way. Transient failures
    are retried by the engine's own backoff (the brain loop), not by queue_job.
    """

    _inherit = "aiom.action"

    @api.model
    def _aiom_queue_enabled(self):
        # System parameters are readable by administrators only; the operator and API users obey it.
        return bool(self.env["ir.config_parameter"].sudo().get_param(QUEUE_PARAM))

    def _aiom_queue_approve(self, states):
        """Approve now, as the current user, and leave the execution to a job on the AI COO channel."""
        self._check_approver_group()
        for action in self:
            action._check_may_execute()
            action._lock(states)
            action._change_state(APPROVED, **action._approval_values())
            action.with_delay(
                channel=CHANNEL,
                identity_key=identity_exact,
                description=self.env._("AI COO: execute %s", action.name),
            )._aiom_job_execute()
        return True

    # ------------------------------------------------------------------ the job

    def _aiom_job_execute(self):
        """Execute an approved action as the user who approved it; safe to run twice."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint(flush=False):
                self._lock({APPROVED})
        except ActionBusy:
            # Someone else holds it right now: not a failure of this job, so not counted as a retry.
            raise RetryableJobError(
                self.env._("%s is being processed elsewhere.", self.name),
                seconds=LOCKED_RETRY_SECONDS,
                ignore_retry=True,
            ) from None
        except UserError:
            # Executed by an earlier run of this job (requeued after a dead worker), or cancelled.
            return self.env._("Nothing to do: %(name)s is already %(state)s.", name=self.name, state=self.state)
        try:
            # What was true at approval (kill switch, four-eyes) must still be true now.
            self._check_may_execute()
        except UserError as error:
            self._record_failure(self.step_ids, None, error, {})
            return self.env._("%(name)s: failed (%(error)s).", name=self.name, error=self.error_message)
        self._run()
        return self.env._("%(name)s: %(state)s.", name=self.name, state=self.state)

    # ------------------------------------------------------------------ brain loop

    @api.model
    def _auto_execute_pending(self, batch_size, now=None):
        """With queueing on, approve the allowed executions now and run them in jobs."""
        if not self._aiom_queue_enabled():
            return super()._auto_execute_pending(batch_size, now=now)
        operator = self.env.ref("aiom_coo.user_aiom_operator")
        candidates = self.search([("state", "=", PENDING), ("risk_level", "=", "low")], limit=batch_size)
        queued = self.browse()
        for action in candidates.filtered(lambda action: not action._policy()._auto_refusal(action, now)):
            try:
                with self.env.cr.savepoint():
                    action.with_user(operator).with_company(action.company_id)._aiom_queue_approve({PENDING})
            except UserError as error:
                _logger.info("AI COO: automatic execution of action %s skipped: %s", action.id, error)
                continue
            queued |= action
        return queued

    @api.model
    def _retry_transient(self, batch_size):
        """With queueing on, the engine's retries of transient failures run in jobs too."""
        if not self._aiom_queue_enabled():
            return super()._retry_transient(batch_size)
        return self._retry_due(batch_size, lambda action: action._aiom_queue_approve({FAILED}))
