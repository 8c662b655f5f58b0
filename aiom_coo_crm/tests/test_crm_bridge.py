from datetime import timedelta

from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.aiom_coo.tests.common import BrainLoopCase

DEMO_LEADS = ("demo_lead_showroom", "demo_lead_conference", "demo_lead_reception", "demo_lead_mats")


@tagged("post_install", "-at_install")
class TestCrmBridge(BrainLoopCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.analyzer = cls.env.ref("aiom_coo_crm.analyzer_stalled_deals")

    def test_operator_is_sales_user_not_administrator(self):
        """The bridge gave the operator Sales / User: All Documents, and no Sales administration."""
        self.assertTrue(self.operator.has_group("sales_team.group_sale_salesman_all_leads"))
        self.assertFalse(self.operator.has_group("sales_team.group_sale_manager"))

    def test_stage_thresholds_are_crm_stages(self):
        """A per-stage threshold is a real link to a CRM stage, and goes with it."""
        stage = self.env["crm.stage"].create({"name": "Waiting for the budget"})
        self.analyzer.stage_ids = [Command.create({"stage_id": stage.id, "days": 45})]
        line = self.analyzer.stage_ids.filtered(lambda line: line.stage_id == stage)
        self.assertEqual(line.days, 45)
        stage.unlink()
        self.assertFalse(line.exists())

    def test_second_company_analyzer_follows_its_own_deals(self):
        """An analyzer created for a second company lets the operator work there (nobody adds it by
        hand) and files proposals in that company, for that company's deals only."""
        other = self.env["res.company"].create({"name": "AI COO Second Company"})
        self.assertNotIn(other, self.operator.company_ids)
        self.manager.company_ids = [Command.link(other.id)]
        manager = self.analyzer.with_user(self.manager).with_context(
            allowed_company_ids=[self.env.company.id, other.id]
        )
        other_analyzer = manager.copy({"company_id": other.id, "name": "Stalled deals 2"})
        self.assertIn(other, self.operator.company_ids)
        self.assertEqual(len(other_analyzer.level_ids), len(self.analyzer.level_ids))
        stalled = fields.Datetime.now() - timedelta(days=20)
        deals = self.env["crm.lead"].create(
            [
                {
                    "name": f"Quiet deal of {company.name}",
                    "type": "opportunity",
                    "company_id": company.id,
                    "partner_id": self.customer.id,
                    "expected_revenue": 5000,
                    "date_last_stage_update": stalled,
                }
                for company in (self.env.company, other)
            ]
        )
        self.run_loop()
        for analyzer, company, deal in zip(
            (self.analyzer, other_analyzer), (self.env.company, other), deals, strict=True
        ):
            proposals = self.proposals_for(analyzer).filtered(lambda action: action.target_model == "crm.lead")
            targets = self.env["crm.lead"].browse(proposals.mapped("target_res_id"))
            self.assertIn(deal, targets)
            self.assertEqual(targets.company_id, company, "only its own company's deals")
            self.assertEqual(proposals.company_id, company)

    def test_demo_proposals_are_the_analyzers(self):
        """The demo follow-ups were filed by the real analyzer, on demo deals that truly are stalled."""
        leads = self.env["crm.lead"].browse([self.env.ref(f"aiom_coo_crm.{name}").id for name in DEMO_LEADS])
        proposals = self.env["ir.model.data"].search([("module", "=", "aiom_coo_crm"), ("model", "=", "aiom.action")])
        actions = self.Action.browse(proposals.mapped("res_id"))
        self.assertEqual(actions.analyzer_id, self.analyzer)
        self.assertEqual(set(actions.mapped("agent")), {self.analyzer.name})
        self.assertEqual(set(actions.mapped("source")), {"analyzer"})
        self.assertEqual(sorted(actions.mapped("target_res_id")), sorted(leads.ids))
        self.assertEqual(sorted(actions.mapped("state")), ["executed", "pending", "pending", "rejected"])
        for action in actions:
            lead = self.env["crm.lead"].browse(action.target_res_id)
            days = round((action.create_date - lead.date_last_stage_update).total_seconds() / 86400)
            self.assertIn(f"for {days} days", action.rationale, "the silence it states is the deal's")
        executed = actions.filtered(lambda action: action.state == "executed")
        self.assertEqual(executed.step_ids.mapped("action_type"), ["activity_schedule"], "no email to write to")
        self.assertTrue(self.env["crm.lead"].browse(executed.target_res_id).activity_ids)
        # What the brain loop would file now is what the demo holds: nothing new for these deals.
        again = self.analyzer.with_user(self.operator)._run(200)
        self.assertFalse(again.filtered(lambda action: action.target_res_id in leads.ids))
        # Loading the demo again changes nothing.
        states = actions.mapped("state")
        self.env["aiom.analyzer"]._demo_follow_up_stalled_deals()
        data = self.env["ir.model.data"].search([("module", "=", "aiom_coo_crm"), ("model", "=", "aiom.action")])
        self.assertEqual(self.Action.browse(data.mapped("res_id")), actions)
        self.assertEqual(actions.mapped("state"), states)
