from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from odoo.addons.aiom_coo.tests.common import BrainLoopCase
from odoo.addons.queue_job.job import identity_exact
from odoo.addons.queue_job.tests.common import trap_jobs

TODAY = datetime(2026, 11, 25, 9, 0)


class Rollback(Exception):
    """Leaves a savepoint without keeping what was done in it."""


@tagged("post_install", "-at_install")
class TestQueuedLoopFilesWhatTheLoopFiles(BrainLoopCase):
    """90 customers with 3 overdue invoices each: the queued fan-out (independent jobs over ranges
    of customers) files exactly the reminders of the synchronous loop, one per customer and level,
    every invoice once, whatever order the jobs run in."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.analyzer = cls.env.ref("aiom_coo_account.analyzer_overdue_invoices", raise_if_not_found=False)
        if not cls.analyzer:
            return
        cls.customers = cls.env["res.partner"].create(
            [{"name": f"Queued Customer {n:02d}", "email": f"queued{n}@example.com"} for n in range(90)]
        )
        due = (TODAY - timedelta(days=10)).date()
        cls.invoices = cls.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "invoice_date": due - timedelta(days=30),
                    "invoice_date_due": due,
                    "invoice_line_ids": [Command.create({"name": "Service", "quantity": 1, "price_unit": 100.0 + i})],
                }
                for customer in cls.customers
                for i in range(3)
            ]
        )
        cls.invoices.action_post()
        cls.invoices.invoice_date_due = due

    def setUp(self):
        super().setUp()
        if not self.analyzer:
            self.skipTest("the invoicing bridge (aiom_coo_account) is not installed")

    def filed(self):
        """The reminders for this test's customers: (keys, invoices followed up)."""
        actions = self.proposals_for(self.analyzer).filtered(
            lambda action: action.target_model == "res.partner" and action.target_res_id in self.customers.ids
        )
        followups = self.env["aiom.followup"].search([("action_id", "in", actions.ids)])
        return sorted(actions.mapped("idempotency_key")), sorted(followups.mapped("target_res_id"))

    def undone(self, run):
        """What ``run`` files, then rolled back."""
        try:
            with self.env.cr.savepoint():
                with freeze_time(TODAY):
                    result = run()
                filed = self.filed()
                raise Rollback
        except Rollback:
            self.env.invalidate_all()
        return filed, result

    def queued(self, batch_size):
        self.env["ir.config_parameter"].set_param("aiom_coo_queue.queue_executions", "True")
        jobs = 0
        with trap_jobs() as trap:
            self.run_loop_batch(batch_size)
            while trap.enqueued_jobs:
                jobs += len([job for job in trap.enqueued_jobs if job.recordset == self.analyzer])
                trap.perform_enqueued_jobs()
        self.env["ir.config_parameter"].set_param("aiom_coo_queue.queue_executions", "False")
        return jobs

    def run_loop_batch(self, batch_size):
        return self.Action.with_user(self.operator)._cron_brain_loop(batch_size=batch_size)

    def range_jobs(self, trap):
        return [job for job in trap.enqueued_jobs if job.recordset == self.analyzer]

    def queued_in_reverse(self, batch_size):
        """One loop round enqueues every range; a second round while they wait adds none; the jobs
        are performed last range first; then the first range again, with nothing left in it."""
        self.env["ir.config_parameter"].set_param("aiom_coo_queue.queue_executions", "True")
        with trap_jobs() as trap:
            self.run_loop_batch(batch_size)
            jobs = self.range_jobs(trap)
            self.run_loop_batch(batch_size)
            self.assertEqual(self.range_jobs(trap), jobs, "no job twice while they wait")
            for job in reversed(jobs):
                job.perform()
            filed = self.proposals_for(self.analyzer)
            self.assertEqual(jobs[0].perform(), "0 new proposal(s).", "a range with nothing left files nothing")
            self.assertEqual(self.proposals_for(self.analyzer), filed)
        self.env["ir.config_parameter"].set_param("aiom_coo_queue.queue_executions", "False")
        return [job.args for job in jobs]

    def test_volume_synchronous_and_queued(self):
        for batch_size, jobs in ((200, 1), (40, 3)):
            with self.subTest(batch_size=batch_size):
                (keys, covered), calls = self.undone(lambda b=batch_size: self.scheduled_run(batch_size=b))
                self.assertEqual(len(keys), 90, "one reminder per customer and level")
                self.assertEqual(covered, sorted(self.invoices.ids), "every invoice once")
                if batch_size == 200:
                    self.assertEqual(calls, 1, "in one call of one scheduled run")
                (queued_keys, queued_covered), performed = self.undone(lambda b=batch_size: self.queued(b))
                self.assertEqual(queued_keys, keys, "the queued loop files what the synchronous loop files")
                self.assertEqual(queued_covered, covered)
                self.assertEqual(performed, jobs, "one job per batch of customers")

    def test_ranges_enqueued_at_once_cover_every_customer(self):
        """One round enqueues every range of customers at once, each an independent job of about a
        batch, contiguous and in order: every customer falls in exactly one."""
        self.env["ir.config_parameter"].set_param("aiom_coo_queue.queue_executions", "True")
        with trap_jobs() as trap, freeze_time(TODAY):
            self.run_loop_batch(40)
            trap.assert_jobs_count(3, only=self.analyzer._aiom_job_run)
            jobs = self.range_jobs(trap)
            for job in jobs:
                self.assertEqual(job.channel, "root.aiom")
                self.assertEqual(job.identity_key, identity_exact(job))
                self.assertEqual(job.user_id, self.operator.id)
            ranges = [job.args[1:] for job in jobs]
            self.assertEqual([job.args[0] for job in jobs], [40, 40, 40])
            self.assertEqual(
                [low for low, _high in ranges[1:]], [high + 1 for _low, high in ranges[:-1]], "contiguous ranges"
            )
            for customer in self.customers:
                self.assertEqual(sum(low <= customer.id <= high for low, high in ranges), 1, customer.name)
            trap.assert_enqueued_job(
                self.analyzer._aiom_job_run,
                args=(40, *ranges[0]),
                properties={"channel": "root.aiom", "identity_key": identity_exact},
            )

    def test_ranges_performed_in_reverse_file_what_the_loop_files(self):
        (keys, covered), _calls = self.undone(lambda: self.scheduled_run(batch_size=40))
        (queued_keys, queued_covered), ranges = self.undone(lambda: self.queued_in_reverse(40))
        self.assertEqual(len(ranges), 3)
        self.assertEqual(queued_keys, keys, "the ranges, last first, file what the synchronous loop files")
        self.assertEqual(queued_covered, covered)

    def test_a_range_without_candidates_files_nothing(self):
        with freeze_time(TODAY):
            last = max(self.analyzer._kind()._candidate_ids(self.analyzer))
            result = self.analyzer.with_user(self.operator)._aiom_job_run(40, last + 1, last + 1000)
        self.assertEqual(result, "0 new proposal(s).")
        self.assertFalse(self.proposals_for(self.analyzer).filtered(lambda a: a.target_res_id in self.customers.ids))

    def test_no_overlapping_ranges_while_jobs_wait(self):
        """Stored jobs (not trapped): while some range of an analyzer waits, a round cuts no new
        ranges for it, even once other ranges are done; when all are done, it cuts them again."""
        self.env["ir.config_parameter"].set_param("aiom_coo_queue.queue_executions", "True")
        Job = self.env["queue.job"]

        def stored():
            return Job.search([("model_name", "=", "aiom.analyzer"), ("method_name", "=", "_aiom_job_run")]).filtered(
                lambda job: job.records == self.analyzer
            )

        with freeze_time(TODAY):
            self.run_loop_batch(40)
            jobs = stored()
            self.assertEqual(len(jobs), 3)
            self.assertEqual(set(jobs.mapped("state")), {"pending"})
            jobs[0].state = "done"
            self.run_loop_batch(40)
            self.assertEqual(stored(), jobs, "the other ranges still wait")
            jobs.state = "done"
            self.run_loop_batch(40)
            self.assertEqual(len(stored() - jobs), 3, "all done: the next round cuts its ranges")
