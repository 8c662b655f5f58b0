from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import AiomCase


@tagged("post_install", "-at_install")
class TestInbox(AiomCase):
    """What the Action Inbox and the dashboard read from the server."""

    def test_columns_pending_first(self):
        """Grouped by state, the inbox shows every main column, pending first, even when empty."""
        groups = self.Action.with_user(self.user).web_read_group(
            [("id", "=", 0)], ["state"], ["state"], orderby="state"
        )["groups"]
        self.assertEqual(
            [group["state"] for group in groups],
            ["pending", "failed", "blocked", "executed", "rejected", "cancelled", "expired"],
        )

    def test_search_by_target_name(self):
        """Searching 'Target' finds actions by the name of the record they are about."""
        action = self.propose_create_partner(target={"model": "res.partner", "id": self.customer.id})
        other = self.propose_create_partner()
        found = self.Action.with_user(self.user).search([("target_name", "ilike", "Azure Test Cust")])
        self.assertIn(action, found)
        self.assertNotIn(other, found)

    def test_dashboard_figures(self):
        """The dashboard counts pending actions by risk, executions, failures and agents."""
        before = self.Action.with_user(self.approver).get_dashboard_data()
        high = self.propose_create_partner("Dash High", risk_level="high", agent="Dashboard test agent")
        done = self.propose_create_partner("Dash Done", agent="Dashboard test agent")
        done.with_user(self.approver).action_approve()
        failing = self.propose(
            action_type="message_post",
            parameters={"model": "res.partner", "res_id": self.customer.id, "body": "{{ target.parent_id.name }}"},
            target={"model": "res.partner", "id": self.customer.id},
        )
        failing.with_user(self.approver).action_approve()
        self.assertEqual(failing.state, "failed")

        data = self.Action.with_user(self.approver).get_dashboard_data()
        pending = {risk["risk_level"]: risk["count"] for risk in data["pending_by_risk"]}
        before_pending = {risk["risk_level"]: risk["count"] for risk in before["pending_by_risk"]}
        self.assertEqual(pending["high"], before_pending["high"] + 1, high.name)
        self.assertEqual(data["executed_today"], before["executed_today"] + 1)
        self.assertEqual((data["executed"], data["failed"]), (before["executed"] + 1, before["failed"] + 1))
        self.assertAlmostEqual(data["failure_rate"], data["failed"] / (data["executed"] + data["failed"]))
        self.assertIsNotNone(data["avg_approval_hours"])
        self.assertIn({"agent": "Dashboard test agent", "count": 2}, data["top_agents"])
        self.assertEqual(len(data["per_day"]), 14)
        today = data["per_day"][-1]
        self.assertEqual(today["date"], fields.Date.to_string(fields.Date.context_today(self.Action)))
        self.assertGreaterEqual(today["total"], 3)
        self.assertGreaterEqual(today["executed"], 1)

    def test_dashboard_respects_record_rules(self):
        """Actions of a company the user cannot see are not counted."""
        other_company = self.env["res.company"].create({"name": "Other AI COO Company"})
        before = self.Action.with_user(self.approver).get_dashboard_data()
        # Filed by the superuser: the approver is not a member of that company.
        self.Action.propose(
            {
                "name": "Elsewhere",
                "agent": "Hidden agent",
                "company_id": other_company.id,
                "action_type": "odoo_create",
                "parameters": {"model": "res.partner", "values": {"name": "Hidden contact"}},
            }
        )
        after = self.Action.with_user(self.approver).get_dashboard_data()
        self.assertEqual(after["pending_by_risk"], before["pending_by_risk"])
        self.assertNotIn("Hidden agent", [agent["agent"] for agent in after["top_agents"]])

    def test_demo_examples_cover_every_state(self):
        """The demo examples, labelled so, show every inbox column, outcomes played by the engine."""
        examples = self.env["ir.model.data"].search([("module", "=", "aiom_coo"), ("model", "=", "aiom.action")])
        actions = self.Action.browse(examples.mapped("res_id"))
        columns = {"pending", "failed", "blocked", "executed", "rejected", "cancelled", "expired"}
        self.assertEqual(set(actions.mapped("state")), columns)
        self.assertEqual(set(actions.mapped("agent")), {"Example integration agent"})
        failed = actions.filtered(lambda action: action.state == "failed")
        self.assertIn("target.parent_id is empty", failed.error_message)
        blocked = actions.filtered(lambda action: action.state == "blocked")
        self.assertIn("res.users", blocked.error_message)
        executed = actions.filtered(lambda action: action.state == "executed")
        note = self.env["mail.message"].browse(executed.result["message_post"]["message_id"])
        self.assertEqual(note.res_id, self.env.ref("base.res_partner_4").id, "the note was really posted")
        self.assertTrue(
            actions.filtered(lambda action: action.create_date < fields.Datetime.now() - timedelta(hours=1)),
            "demo proposals have realistic ages",
        )

    def test_demo_loader_is_idempotent(self):
        """Loading the demo examples again adds no proposal and changes no outcome."""
        examples = self.env["ir.model.data"].search([("module", "=", "aiom_coo"), ("model", "=", "aiom.action")])
        actions = self.Action.browse(examples.mapped("res_id"))
        states, count = actions.mapped("state"), self.Action.search_count([])
        self.Action._demo_load_examples()
        self.assertEqual(actions.mapped("state"), states)
        self.assertEqual(self.Action.search_count([]), count)
