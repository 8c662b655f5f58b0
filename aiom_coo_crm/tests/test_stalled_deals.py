from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from odoo.addons.aiom_coo.tests.common import BrainLoopCase

START = datetime(2026, 10, 1, 9, 0)


@tagged("post_install", "-at_install")
class TestStalledDeals(BrainLoopCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.analyzer = cls.env.ref("aiom_coo_crm.analyzer_stalled_deals")
        stages = cls.env["crm.stage"].search([("is_won", "=", False)], order="sequence", limit=2)
        cls.stage, cls.slow_stage = stages[0], stages[1]
        cls.analyzer.stage_ids = [Command.create({"stage_id": cls.slow_stage.id, "days": 30})]

    def proposals_for(self, analyzer):
        """This test's follow-ups (the demo database has its own)."""
        return super().proposals_for(analyzer).filtered(lambda action: action.target_ref.partner_id == self.customer)

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
        """A second run adds nothing; a week after the first follow-up was sent, the next level comes."""
        stalled = self.lead("Quiet deal")
        with freeze_time(START + timedelta(days=20)):
            self.run_loop()
            self.run_loop()
        first = self.proposals_for(self.analyzer)
        self.assertEqual(len(first), 1)
        self.assertIn("Follow-up", first.name)
        self.mark_sent(first, START + timedelta(days=21))
        with freeze_time(START + timedelta(days=24)):
            self.run_loop()
        self.assertEqual(len(self.proposals_for(self.analyzer)), 1, "a sent level is not proposed again")
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
