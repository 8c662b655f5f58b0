import logging

from markupsafe import Markup
from psycopg2.errors import LockNotAvailable, SerializationFailure

from odoo import api, fields, models

from odoo.addons.aiom_coo.models.aiom_action import APPROVED, FAILED, MAX_AUTOMATIC_ATTEMPTS, PENDING
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import identity_exact

from ..exceptions import ActionFailedError
from .res_config_settings import QUEUE_PARAM

_logger = logging.getLogger(__name__)

CHANNEL = "root.aiom"
# A job that finds the action locked by a person or another job tries again this much later.
LOCKED_RETRY_SECONDS = 10


class AiomAction(models.Model):
    _inherit = "aiom.action"

    @api.model
    def _aiom_queue_enabled(self):
        # System parameters are readable by administrators only; the operator and API users obey it.
        return bool(self.env["ir.config_parameter"].sudo().get_param(QUEUE_PARAM))

    def _aiom_delay_execute(self, states):
        """Enqueue the execution of each action, as the current user, on the AI COO channel."""
        for action in self:
            action.with_delay(
                channel=CHANNEL,
                identity_key=identity_exact,
                max_retries=MAX_AUTOMATIC_ATTEMPTS,
                description=self.env._("AI COO: execute %s", action.name),
            )._aiom_job_execute(sorted(states))
        return True

    # ------------------------------------------------------------------ the job

    def _aiom_job_execute(self, states):
        """Approve and execute, as the user who queued it; safe to run twice.

        The action's row lock and state check decide: a job that finds the action already
        executed (an earlier run of this job, a person, another server) ends done, not failed.
        """
        self.ensure_one()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute("SELECT id FROM aiom_action WHERE id = %s FOR UPDATE NOWAIT", [self.id])
        except (LockNotAvailable, SerializationFailure):
            # Someone else holds it right now: not a failure of this job, so not counted as a retry.
            raise RetryableJobError(
                self.env._("%s is being processed elsewhere.", self.name),
                seconds=LOCKED_RETRY_SECONDS,
                ignore_retry=True,
            ) from None
        self.invalidate_recordset()
        if self.state not in states:
            return self.env._("Nothing to do: %(name)s is already %(state)s.", name=self.name, state=self.state)
        self._approve_from(set(states))
        if self.state != FAILED:
            return self.env._("%(name)s: %(state)s.", name=self.name, state=self.state)
        if self.retry_at:
            # A transient failure: queue_job rolls this attempt back and retries it on its pattern.
            raise RetryableJobError(self.error_message)
        # queue_job rolls the job's transaction back; _aiom_job_failed then records the failure.
        raise ActionFailedError(self.error_message)

    def _aiom_job_failed(self, exc_name=None, exc_message=None, **_kwargs):
        """On a job failed for good (queue_job's on_fail hook, in a fresh transaction): the action
        fails with the same message. Other errors (kill switch, four-eyes) leave the action as it is."""
        if not exc_name or exc_name.rsplit(".", 1)[-1] not in ("ActionFailedError", "FailedJobError"):
            return
        for action in self.filtered(lambda a: a.state in (PENDING, FAILED)):
            action._lock({action.state})
            action._change_state(
                APPROVED,
                approved_by_id=self.env.uid,
                approved_date=fields.Datetime.now(),
                attempt_count=action.attempt_count + 1,
            )
            action._change_state(FAILED, error_message=exc_message, retry_at=False)
            action._track_set_log_message(
                Markup("<p>%s</p>") % self.env._("Execution failed, nothing was changed. %s", exc_message)
            )

    # ------------------------------------------------------------------ brain loop

    @api.model
    def _auto_execute_pending(self, batch_size, now=None):
        """With queueing on, enqueue the allowed executions instead of running them here."""
        if not self._aiom_queue_enabled():
            return super()._auto_execute_pending(batch_size, now=now)
        operator = self.env.ref("aiom_coo.user_aiom_operator")
        candidates = self.search([("state", "=", PENDING), ("risk_level", "=", "low")], limit=batch_size)
        queued = candidates.filtered(lambda action: not action._policy()._auto_refusal(action, now))
        for action in queued:
            action.with_user(operator).with_company(action.company_id)._aiom_delay_execute({PENDING})
        return queued
