from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import AiomCase, post_invoice

START = datetime(2026, 10, 1, 9, 0)


@tagged("post_install", "-at_install")
class BrainLoopCase(AiomCase):
    required = ()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.operator = cls.env.ref("aiom_coo.user_aiom_operator")
        cls.env["aiom.analyzer"]._setup_operator_groups()

    def setUp(self):
        super().setUp()
        missing = [model for model in self.required if model not in self.env]
        if missing:
            self.skipTest(f"{', '.join(missing)} not installed")

    def run_loop(self):
        return self.Action.with_user(self.operator)._cron_brain_loop(batch_size=200)

    def proposals_for(self, analyzer):
        return self.Action.search([("analyzer_id", "=", analyzer.id)])


@tagged("post_install", "-at_install")
class TestStalledDeals(BrainLoopCase):
    required = ("crm.lead",)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "crm.lead" not in cls.env:
            return
        cls.analyzer = cls.env.ref("aiom_coo.analyzer_stalled_deals")
        stages = cls.env["crm.stage"].search([("is_won", "=", False)], order="sequence", limit=2)
        cls.stage, cls.slow_stage = stages[0], stages[1]
        cls.analyzer.stage_ids = [Command.create({"stage_id": cls.slow_stage.id, "days": 30})]

    def lead(self, name, stage=None, **vals):
        lead = self.env["crm.lead"].create(
            {
                "name": name,
                "type": "opportunity",
                "partner_id": self.customer.id,
                "stage_id": (stage or self.stage).id,
                "expected_revenue": 12000,
                "user_id": self.approver.id,
                **vals,
            }
        )
        lead.date_last_stage_update = START
        return lead

    def test_exactly_the_stalled_deals(self):
        """Found: the silent deal. Not found: a recent email, won, lost, a slower stage, a mere lead."""
        stalled = self.lead("Silent deal")
        replied = self.lead("Deal with a reply")
        won = self.lead("Won deal")
        lost = self.lead("Lost deal")
        slow = self.lead("Slow-stage deal", stage=self.slow_stage)
        self.lead("Just a lead", type="lead")
        with freeze_time(START + timedelta(days=16)):
            replied.message_post(
                body="Thanks, we'll decide soon", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        won.action_set_won()
        lost.action_set_lost()
        with freeze_time(START + timedelta(days=20)):
            findings = self.env["aiom.analyzer.stalled_deals"].with_user(self.operator)._find(self.analyzer, 100)
            self.assertEqual([finding["targets"] for finding in findings], [stalled])
            self.assertNotIn(slow, [finding["targets"] for finding in findings])
            self.run_loop()
        action = self.proposals_for(self.analyzer)
        self.assertEqual(len(action), 1)
        self.assertEqual((action.target_model, action.target_res_id), ("crm.lead", stalled.id))
        self.assertEqual(action.step_ids.mapped("action_type"), ["activity_schedule", "email_send"])
        self.assertEqual(action.step_ids[1].parameters["to"], ["azure@example.com"])
        self.assertIn("Silent deal", action.step_ids[1].parameters["subject"])
        self.assertIn("20 days", action.rationale)
        self.assertEqual(action.risk_level, "medium", "an email to a customer is never low risk")

    def test_levels_escalate_and_runs_do_not_duplicate(self):
        """A second run adds nothing; a week later, after a rejection, the next level comes."""
        stalled = self.lead("Quiet deal")
        with freeze_time(START + timedelta(days=20)):
            self.run_loop()
            self.run_loop()
        first = self.proposals_for(self.analyzer)
        self.assertEqual(len(first), 1)
        self.assertIn("Follow-up", first.name)
        first.with_user(self.approver).action_reject("Not now")
        with freeze_time(START + timedelta(days=24)):
            self.run_loop()
        self.assertEqual(len(self.proposals_for(self.analyzer)), 1, "a rejected level is not proposed again")
        with freeze_time(START + timedelta(days=29)):
            self.run_loop()
        second = self.proposals_for(self.analyzer) - first
        self.assertEqual(len(second), 1)
        self.assertIn("Second follow-up", second.name)
        self.assertEqual(second.target_res_id, stalled.id)

    def test_won_deal_cancels_its_pending_follow_up(self):
        """When the deal is won, the loop cancels the proposal still waiting."""
        deal = self.lead("Deal about to close")
        with freeze_time(START + timedelta(days=20)):
            self.run_loop()
        action = self.proposals_for(self.analyzer)
        deal.action_set_won()
        with freeze_time(START + timedelta(days=21)):
            self.run_loop()
        self.assertEqual(action.state, "cancelled")


@tagged("post_install", "-at_install")
class TestOverdueInvoices(BrainLoopCase):
    required = ("account.move",)
    TODAY = datetime(2026, 11, 25, 9, 0)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "account.move" not in cls.env:
            return
        cls.analyzer = cls.env.ref("aiom_coo.analyzer_overdue_invoices")
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
        """One grouped email per customer and level; nothing for an invoice due yesterday or paid."""
        first, second = self.invoice(self.customer, 10), self.invoice(self.customer, 12, 2210.0)
        older = self.invoice(self.customer, 25)
        self.invoice(self.other, 1)
        paid = self.invoice(self.other, 30)
        self.pay(paid)
        with freeze_time(self.TODAY):
            self.run_loop()
            self.run_loop()
        actions = self.proposals_for(self.analyzer)
        self.assertEqual(len(actions), 2, actions.mapped("name"))
        grouped = actions.filtered(lambda a: "First reminder" in a.name)
        self.assertEqual((grouped.target_model, grouped.target_res_id), ("res.partner", self.customer.id))
        self.assertIn("2 invoices", grouped.rationale)
        self.assertIn("12 days overdue", grouped.rationale)
        self.assertIn("1st reminder", grouped.rationale)
        email = grouped.step_ids.filtered(lambda s: s.action_type == "email_send")
        self.assertIn(first.name, email.parameters["subject"])
        self.assertIn(second.name, email.parameters["subject"])
        self.assertEqual(grouped.risk_level, "medium", "an email to a customer is never low risk")
        self.assertEqual(grouped.expected_value, 3210.0)
        single = actions - grouped
        self.assertEqual((single.target_model, single.target_res_id), ("account.move", older.id))
        self.assertIn("2nd reminder", single.rationale)
        self.assertEqual(single.step_ids.mapped("action_type"), ["email_send", "activity_schedule"])

    def test_escalation_over_days(self):
        """Two weeks later, the same invoice gets its second reminder."""
        invoice = self.invoice(self.customer, 8)
        with freeze_time(self.TODAY):
            self.run_loop()
        with freeze_time(self.TODAY + timedelta(days=14)):
            self.run_loop()
        names = self.proposals_for(self.analyzer).mapped("name")
        self.assertEqual(
            sorted(names),
            sorted([f"First reminder to {self.customer.name}", f"Second reminder to {self.customer.name}"]),
        )
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


@tagged("post_install", "-at_install")
class TestTransientRetry(BrainLoopCase):
    def test_transient_failure_is_retried_with_backoff(self):
        """A provider's 5xx marks the failure transient; the loop retries it after the backoff."""
        from .smtp2go_server import API_KEY, FakeSmtp2go

        smtp2go = FakeSmtp2go().start()
        self.addCleanup(smtp2go.stop)
        params = self.env["ir.config_parameter"]
        params.set_param("aiom_coo.smtp2go_api_key", API_KEY)
        params.set_param("aiom_coo.smtp2go_base_url", smtp2go.base_url)
        params.set_param("aiom_coo.default_sender", "coo@example.com")
        admin = self.env.ref("base.user_admin")
        action = self.propose(
            action_type="email_send", parameters={"to": ["a@example.com"], "subject": "Hi", "body": "x"}
        )
        smtp2go.fail_next("500", "500", "500", "500")
        with freeze_time(START):
            action.with_user(admin).action_approve()
        self.assertEqual(action.state, "failed")
        self.assertEqual(action.retry_at, START + timedelta(minutes=5))
        with freeze_time(START + timedelta(minutes=4)):
            self.run_loop()
        self.assertEqual(action.state, "failed", "not before the backoff")
        with freeze_time(START + timedelta(minutes=6)):
            self.run_loop()
        self.assertEqual(action.state, "executed", action.error_message)
        self.assertEqual(action.attempt_count, 2)
        self.assertEqual(len(smtp2go.requests), 5)
