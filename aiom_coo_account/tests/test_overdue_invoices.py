from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.aiom_coo.tests.common import BrainLoopCase

from .common import post_invoice


@tagged("post_install", "-at_install")
class TestOverdueInvoices(BrainLoopCase):
    TODAY = datetime(2026, 11, 25, 9, 0)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.analyzer = cls.env.ref("aiom_coo_account.analyzer_overdue_invoices")
        cls.other = cls.env["res.partner"].create({"name": "Gemini Test", "email": "gemini@example.com"})

    def invoice(self, partner, days_overdue, amount=1000.0):
        return post_invoice(self.env, partner, (self.TODAY - timedelta(days=days_overdue)).date(), amount)

    def proposals_for(self, analyzer):
        """This test's reminders (the demo database has overdue invoices of its own)."""
        mine = self.customer | self.other | self.env["res.partner"].search([("name", "=", "No Email Ltd")])
        return (
            super()
            .proposals_for(analyzer)
            .filtered(
                lambda action: (
                    action.target_ref
                    and (action.target_ref if action.target_model == "res.partner" else action.target_ref.partner_id)
                    in mine
                )
            )
        )

    def pay(self, invoice):
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
            {}
        )._create_payments()
        self.assertEqual(invoice.payment_state in ("paid", "in_payment"), True)

    def test_levels_grouping_and_near_misses(self):
        """One grouped email per customer and level; nothing for an invoice due yesterday or paid.
        An invoice 25 days overdue that was never reminded joins the first reminder."""
        first, second = self.invoice(self.customer, 10), self.invoice(self.customer, 12, 2210.0)
        older = self.invoice(self.customer, 25)
        self.invoice(self.other, 1)
        paid = self.invoice(self.other, 30)
        self.pay(paid)
        with freeze_time(self.TODAY):
            self.run_loop()
            self.run_loop()
        grouped = self.proposals_for(self.analyzer)
        self.assertEqual(len(grouped), 1, grouped.mapped("name"))
        self.assertIn("First reminder", grouped.name)
        self.assertEqual((grouped.target_model, grouped.target_res_id), ("res.partner", self.customer.id))
        self.assertIn("3 invoices", grouped.rationale)
        self.assertIn("25 days overdue", grouped.rationale)
        self.assertIn("1st reminder", grouped.rationale)
        email = grouped.step_ids.filtered(lambda s: s.action_type == "email_send")
        for invoice in first | second | older:
            self.assertIn(invoice.name, email.parameters["subject"])
        self.assertEqual(grouped.risk_level, "medium", "an email to a customer is never low risk")
        self.assertEqual(grouped.expected_value, 4210.0)
        self.assertEqual(grouped.step_ids.mapped("action_type"), ["email_send"])

    def test_a_customer_with_many_overdue_invoices(self):
        """Forty overdue invoices of one customer: one reminder that names five and counts the rest,
        covers all forty, and keeps an idempotency key and a subject that fit their limits."""
        invoices = self.env["account.move"].concat(*(self.invoice(self.customer, 10, 100.0) for _index in range(40)))
        with freeze_time(self.TODAY):
            self.run_loop()
        reminder = self.proposals_for(self.analyzer)
        self.assertEqual(len(reminder), 1, reminder.mapped("name"))
        self.assertEqual(reminder.state, "pending", reminder.error_message)
        self.assertIn("40 invoices", reminder.rationale)
        subject = reminder.step_ids.filtered(lambda s: s.action_type == "email_send").parameters["subject"]
        self.assertIn("and 35 more", subject)
        self.assertLessEqual(len(subject), 200)
        self.assertLessEqual(len(reminder.idempotency_key), 200)
        covered = self.env["aiom.followup"].search([("action_id", "=", reminder.id)]).mapped("target_res_id")
        self.assertEqual(sorted(covered), sorted(invoices.ids))

    def test_escalation_over_days(self):
        """Two weeks after the first reminder was sent, the same invoice gets its second reminder."""
        invoice = self.invoice(self.customer, 8)
        with freeze_time(self.TODAY):
            self.run_loop()
        self.mark_sent(self.proposals_for(self.analyzer), self.TODAY)
        with freeze_time(self.TODAY + timedelta(days=14)):
            self.run_loop()
        names = self.proposals_for(self.analyzer).mapped("name")
        self.assertEqual(
            sorted(names),
            sorted([f"First reminder to {self.customer.name}", f"Second reminder to {self.customer.name}"]),
        )
        second = self.proposals_for(self.analyzer).filtered(lambda action: "Second" in action.name)
        self.assertEqual(second.step_ids.mapped("action_type"), ["email_send", "activity_schedule"])
        self.assertTrue(
            all(str(invoice.id) in key for key in self.proposals_for(self.analyzer).mapped("idempotency_key"))
        )

    def test_paid_invoice_cancels_and_blocks_its_reminder(self):
        """Paid meanwhile: a pending reminder is cancelled by the loop, an approval is refused."""
        cancelled_invoice = self.invoice(self.customer, 10)
        refused_invoice = self.invoice(self.other, 10)
        with freeze_time(self.TODAY):
            self.run_loop()
        to_cancel = self.proposals_for(self.analyzer).filtered(lambda a: a.target_res_id == cancelled_invoice.id)
        to_refuse = self.proposals_for(self.analyzer).filtered(lambda a: a.target_res_id == refused_invoice.id)
        self.pay(cancelled_invoice)
        self.pay(refused_invoice)
        to_refuse.with_user(self.approver).action_approve()
        self.assertEqual(to_refuse.state, "failed")
        self.assertIn("No longer needed", to_refuse.error_message)
        with freeze_time(self.TODAY + timedelta(hours=1)):
            self.run_loop()
        self.assertEqual(to_cancel.state, "cancelled")

    def test_auto_execution_follows_autonomy(self):
        """With auto_low_risk and activities allowed, a low-risk reminder without email executes itself."""
        quiet = self.env["res.partner"].create({"name": "No Email Ltd"})
        self.invoice(quiet, 10)
        policy = self.env.ref("aiom_coo.guardrail_policy_main")
        policy.write({"tz": "UTC", "business_hour_from": 0, "business_hour_to": 24, "business_weekdays_only": False})
        self.env["ir.config_parameter"].set_param("aiom_coo.auto_confidence_threshold", "0.8")
        with freeze_time(self.TODAY):
            self.run_loop()
            action = self.proposals_for(self.analyzer)
            self.assertEqual(action.state, "pending", "autonomy 'suggest' executes nothing")
            self.env["ir.config_parameter"].set_param("aiom_coo.autonomy_level", "auto_low_risk")
            self.run_loop()
        self.assertEqual(action.step_ids.mapped("action_type"), ["activity_schedule"])
        self.assertEqual(action.state, "executed", action.error_message)
        self.assertEqual(action.approved_by_id, self.operator)
