from odoo import fields
from odoo.tests import tagged

from odoo.addons.aiom_coo.tests.common import BrainLoopCase

DEMO_INVOICES = (
    "demo_invoice_gemini",
    "demo_invoice_ready_mat_1",
    "demo_invoice_ready_mat_2",
    "demo_invoice_wood_corner",
    "demo_invoice_brightwell",
    "demo_invoice_azure",
    "demo_invoice_jackson",
)


@tagged("post_install", "-at_install")
class TestAccountBridge(BrainLoopCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.analyzer = cls.env.ref("aiom_coo_account.analyzer_overdue_invoices")

    def demo_invoice(self, name):
        return self.env.ref(f"aiom_coo_account.{name}")

    def test_operator_is_billing_user_not_administrator(self):
        """The bridge gave the operator Invoicing / Billing, and no Invoicing administration."""
        self.assertTrue(self.operator.has_group("account.group_account_invoice"))
        self.assertFalse(self.operator.has_group("account.group_account_manager"))

    def test_demo_proposals_are_the_analyzers(self):
        """The demo reminders were filed by the real analyzer, on invoices that truly are overdue."""
        data = self.env["ir.model.data"].search([("module", "=", "aiom_coo_account"), ("model", "=", "aiom.action")])
        actions = self.Action.browse(data.mapped("res_id"))
        self.assertEqual(actions.analyzer_id, self.analyzer)
        self.assertEqual(set(actions.mapped("agent")), {self.analyzer.name})
        followed = self.env["aiom.followup"].search([("action_id", "in", actions.ids)])
        invoices = self.env["account.move"].browse(followed.mapped("target_res_id"))
        for name in DEMO_INVOICES:
            self.assertIn(self.demo_invoice(name), invoices)
        today = fields.Date.context_today(self.analyzer)
        for invoice in invoices:
            self.assertGreaterEqual((today - invoice.invoice_date_due).days, 7, f"{invoice.name} is overdue")
        state = {name: self.Action._demo_proposal_for(self.demo_invoice(name)).state for name in DEMO_INVOICES}
        self.assertEqual(
            state,
            {
                "demo_invoice_gemini": "pending",
                "demo_invoice_ready_mat_1": "pending",
                "demo_invoice_ready_mat_2": "pending",
                "demo_invoice_wood_corner": "pending",
                "demo_invoice_brightwell": "executed",
                "demo_invoice_azure": "cancelled",
                "demo_invoice_jackson": "failed",
            },
        )
        grouped = self.Action._demo_proposal_for(self.demo_invoice("demo_invoice_ready_mat_1"))
        self.assertEqual(grouped, self.Action._demo_proposal_for(self.demo_invoice("demo_invoice_ready_mat_2")))
        self.assertIn("2 invoices", grouped.rationale)
        # Never reminded before, every demo invoice gets the first reminder, however late it is.
        self.assertIn("First reminder", grouped.name)
        latest = self.Action._demo_proposal_for(self.demo_invoice("demo_invoice_wood_corner"))
        self.assertIn("First reminder", latest.name)
        self.assertNotIn("Despite our reminders", latest.step_ids[0].parameters["body"])
        self.assertEqual(latest.risk_level, "medium")
        failed = self.Action._demo_proposal_for(self.demo_invoice("demo_invoice_jackson"))
        self.assertIn("No longer needed", failed.error_message)
        self.assertIn(self.demo_invoice("demo_invoice_jackson").payment_state, ("paid", "in_payment"))
        # What the brain loop would file now is what the demo holds: nothing new for these invoices.
        self.assertFalse(self.analyzer.with_user(self.operator)._run(200))
        # Loading the demo again changes nothing.
        self.env["aiom.analyzer"]._demo_follow_up_overdue_invoices()
        data = self.env["ir.model.data"].search([("module", "=", "aiom_coo_account"), ("model", "=", "aiom.action")])
        self.assertEqual(self.Action.browse(data.mapped("res_id")), actions)
        self.assertEqual(
            {name: self.Action._demo_proposal_for(self.demo_invoice(name)).state for name in DEMO_INVOICES}, state
        )
