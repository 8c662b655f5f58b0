from odoo.tests import tagged

from odoo.addons.aiom_coo.tests.common import AiomCase
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import identity_exact
from odoo.addons.queue_job.tests.common import trap_jobs


class Rollback(Exception):
    """Leaves a savepoint without keeping what was done in it."""


@tagged("post_install", "-at_install")
class TestQueuedExecution(AiomCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.operator = cls.env.ref("aiom_coo.user_aiom_operator")
        params = cls.env["ir.config_parameter"]
        params.set_param("aiom_coo.autonomy_level", "auto_low_risk")
        params.set_param("aiom_coo.auto_confidence_threshold", "0.5")
        policy = cls.env.ref("aiom_coo.guardrail_policy_main")
        policy.write({"tz": "UTC", "business_hour_from": 0, "business_hour_to": 24, "business_weekdays_only": False})

    def queue_on(self):
        self.env["ir.config_parameter"].set_param("aiom_coo_queue.queue_executions", "True")

    def propose_message(self, body):
        # By someone who may post on contacts: the operator acts within the proposer's rights.
        return self.propose(
            user=self.approver,
            name=f"Note {body}",
            action_type="message_post",
            parameters={"model": "res.partner", "res_id": self.customer.id, "body": body, "subtype": "note"},
            risk_level="low",
            confidence=0.95,
        )

    def job_of(self, trap, action):
        return next(job for job in trap.enqueued_jobs if job.recordset == action)

    def auto_execute(self):
        return self.Action.with_user(self.operator)._auto_execute_pending(50)

    def test_setting_off_executes_at_once(self):
        """Without the setting, the brain loop executes in its own transaction, as before."""
        action = self.propose_message("sync")
        with trap_jobs() as trap:
            self.auto_execute()
            trap.assert_jobs_count(0)
        self.assertEqual(action.state, "executed", action.error_message)

    def test_auto_execution_is_queued_and_performs_like_synchronous(self):
        """With the setting, each allowed action is one job on root.aiom, performed as the operator."""
        self.queue_on()
        action = self.propose_message("queued")
        with trap_jobs() as trap:
            self.assertIn(action, self.auto_execute())
            self.auto_execute()  # a second brain-loop round while the job waits adds none
            trap.assert_jobs_count(1, only=action._aiom_job_execute)
            trap.assert_enqueued_job(
                action._aiom_job_execute,
                args=(),
                properties={"channel": "root.aiom", "identity_key": identity_exact},
            )
            self.assertEqual(self.job_of(trap, action).user_id, self.operator.id)
            self.assertEqual(action.state, "approved", "approved at once; a worker runs it")
            trap.perform_enqueued_jobs()
        self.assertEqual(action.state, "executed", action.error_message)
        self.assertEqual(action.approved_by_id, self.operator)
        self.assertEqual(action.attempt_count, 1)
        message = self.env["mail.message"].browse(action.result["message_post"]["message_id"])
        self.assertEqual((message.model, message.res_id), ("res.partner", self.customer.id))

    def test_job_run_twice_executes_once(self):
        """A job performed again (retried, requeued after a dead worker) finds the action executed and ends done."""
        self.queue_on()
        action = self.propose_message("once")
        with trap_jobs() as trap:
            self.auto_execute()
            job = self.job_of(trap, action)
            first = job.perform()
            self.assertEqual(action.state, "executed", first)
            self.assertIn("already executed", job.perform())
        self.assertEqual(action.attempt_count, 1)
        notes = self.customer.message_ids.filtered(lambda m: "once" in (m.body or ""))
        self.assertEqual(len(notes), 1)

    def test_locked_action_is_retried_later_without_counting(self):
        """A job finding the row locked by another transaction is postponed, not failed and not counted."""
        # A committed (demo) action: another transaction can only lock what it sees.
        action = self.env.ref("aiom_coo.demo_example_call_azure")
        with trap_jobs() as trap:
            action.with_user(self.approver).with_delay()._aiom_job_execute()
            job = self.job_of(trap, action)
            with self.env.registry.cursor() as other_cr:
                other_cr.execute("SELECT id FROM aiom_action WHERE id = %s FOR UPDATE", [action.id])
                with self.assertRaises(RetryableJobError) as raised:
                    job.perform()
                other_cr.rollback()
        self.assertTrue(raised.exception.ignore_retry)
        self.assertEqual(action.state, "pending")

    def test_failure_is_recorded_once_and_the_job_ends(self):
        """A failing plan fails the action as a synchronous approval does; the job itself ends done."""
        self.queue_on()
        plan = {"model": "res.partner", "ids": [self.customer.id], "values": {"parent_id": self.customer.id}}
        expected = self.propose(name="Sync", action_type="odoo_update", parameters=plan)
        expected.with_user(self.approver).action_approve()
        self.assertEqual(expected.state, "failed")
        action = self.propose(name="Queued", action_type="odoo_update", parameters=plan)
        with trap_jobs() as trap:
            action.with_user(self.approver)._aiom_queue_approve({"pending"})
            job = self.job_of(trap, action)
            self.assertEqual(job.user_id, self.approver.id)
            outcome = job.perform()
        self.assertIn("failed", outcome)
        self.assertEqual(action.state, "failed")
        self.assertEqual(action.error_message, expected.error_message)
        self.assertEqual(action.approved_by_id, self.approver)
        self.assertEqual(action.attempt_count, 1)
        failures = self.chatter(action).filtered(lambda m: "nothing was changed" in (m.body or ""))
        self.assertEqual(len(failures), 1, "one failure path, one chatter entry")

    def test_kill_switch_at_job_time_fails_the_action(self):
        """Switched off between the approval and the job: the action fails, saying why, and can be retried."""
        self.queue_on()
        action = self.propose_message("switched off")
        with trap_jobs() as trap:
            action.with_user(self.approver)._aiom_queue_approve({"pending"})
            self.env["ir.config_parameter"].set_param("aiom_coo.autonomy_level", "off")
            self.job_of(trap, action).perform()
        self.assertEqual(action.state, "failed")
        self.assertIn("switched off", action.error_message)
        self.assertFalse(self.customer.message_ids.filtered(lambda m: "switched off" in (m.body or "")))


@tagged("post_install", "-at_install")
class TestQueuedBrainLoop(AiomCase):
    def test_analyzers_fan_out_as_jobs_with_the_same_proposals(self):
        """One deduplicated job per analyzer's range of candidates (the demo's fit in one range);
        performed, they propose what a synchronous run does."""
        operator = self.env.ref("aiom_coo.user_aiom_operator")
        Analyzer = self.env["aiom.analyzer"].with_user(operator)
        analyzers = Analyzer.search([])
        # The demo's findings are filed already: forget them, so that the analyzers find them again.
        self.env["aiom.followup"].search([]).unlink()
        self.Action.search([("analyzer_id", "in", analyzers.ids)]).unlink()
        try:
            with self.env.cr.savepoint():
                expected = sorted(Analyzer.search([])._run(200).mapped("idempotency_key"))
                raise Rollback
        except Rollback:
            self.env.invalidate_all()
        candidates = {analyzer: analyzer._kind()._candidate_ids(analyzer) for analyzer in analyzers}
        self.assertTrue(all(len(ids) <= 200 for ids in candidates.values()))
        self.env["ir.config_parameter"].set_param("aiom_coo_queue.queue_executions", "True")
        with trap_jobs() as trap:
            loop = self.Action.with_user(operator)._cron_brain_loop(batch_size=200)
            self.Action.with_user(operator)._cron_brain_loop(batch_size=200)
            self.assertFalse(loop["proposed"], "proposals come from the jobs")
            for analyzer, ids in candidates.items():
                trap.assert_jobs_count(1 if ids else 0, only=analyzer._aiom_job_run)
                if ids:
                    trap.assert_enqueued_job(
                        analyzer._aiom_job_run,
                        args=(200, ids[0], ids[-1]),
                        properties={"channel": "root.aiom", "identity_key": identity_exact},
                    )
            trap.perform_enqueued_jobs()
        proposed = self.Action.search([("analyzer_id", "in", analyzers.ids)])
        self.assertTrue(expected)
        self.assertEqual(sorted(proposed.mapped("idempotency_key")), expected)
