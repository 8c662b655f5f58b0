from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from odoo.addons.aiom_coo.tests.common import BrainLoopCase
from odoo.addons.queue_job.tests.common import trap_jobs

TODAY = datetime(2026, 11, 25, 9, 0)


class Rollback(Exception):
    """Leaves a savepoint without keeping what was done in it."""


@tagged("post_install", "-at_install")
class TestQueuedLoopFilesWhatTheLoopFiles(BrainLoopCase):
    """90 customers with 3 overdue invoices each: the queued fan-out files exactly the reminders
    of the synchronous loop, one per customer and level, every invoice once."""

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
