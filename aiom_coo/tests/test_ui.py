from unittest.mock import patch

from odoo import tools
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestInboxTour(HttpCase):
    def test_open_inbox_from_app_menu(self):
        """In the browser, the AI COO app opens the Action Inbox with its demo proposals."""
        self.start_tour("/odoo", "aiom_coo_open_inbox", login="admin")


@tagged("post_install", "-at_install")
class TestInboxButtons(HttpCase):
    """The Approve & Execute and Reject buttons on the inbox cards, in the browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.approver = new_test_user(
            cls.env,
            "tour_approver",
            groups="aiom_coo.group_aiom_approver,base.group_partner_manager",
            name="Tess Approver",
        )
        cls.viewer = new_test_user(cls.env, "tour_viewer", groups="aiom_coo.group_aiom_user", name="Vera Viewer")
        cls.customer = cls.env["res.partner"].create({"name": "Tour Customer Inc", "is_company": True})
        cls.Action = cls.env["aiom.action"]

    def propose(self, name, **vals):
        # Urgent, so that the card is at the top of its column whatever the demo data holds.
        vals = {"name": name, "priority": "3", "target": {"model": "res.partner", "id": self.customer.id}, **vals}
        return self.Action.with_user(self.approver).propose(vals)

    def propose_contact(self, name, contact, **vals):
        parameters = {"model": "res.partner", "values": {"name": contact, "parent_id": self.customer.id}}
        return self.propose(name, action_type="odoo_create", parameters=parameters, **vals)

    def test_approve_executes_and_moves_the_card(self):
        """Approve & Execute runs the action: the card moves to Executed and the contact exists."""
        action = self.propose_contact("Create contact Tara Tour", "Tara Tour")
        self.start_tour("/odoo/ai-coo", "aiom_coo_inbox_approve", login="tour_approver")
        self.assertEqual(action.state, "executed")
        self.assertEqual(action.approved_by_id, self.approver)
        contact = self.env["res.partner"].search([("name", "=", "Tara Tour")])
        self.assertEqual(contact.parent_id, self.customer, "the contact was created by the approval")

    def test_reject_asks_for_a_reason(self):
        """Reject opens a dialog; the reason given there is stored on the rejected action."""
        action = self.propose(
            "Call Rita Reject",
            action_type="activity_schedule",
            parameters={"model": "res.partner", "res_id": self.customer.id, "summary": "Call Rita"},
        )
        self.start_tour("/odoo/ai-coo", "aiom_coo_inbox_reject", login="tour_approver")
        self.assertEqual(action.state, "rejected")
        self.assertEqual(action.reject_reason, "Already called her this morning")
        self.assertEqual(action.rejected_by_id, self.approver)
        self.assertFalse(self.customer.activity_ids, "a rejected action does nothing")

    def test_failure_shows_the_error_on_the_card(self):
        """An action that fails at execution shows its error on the card, with a Retry button."""
        action = self.propose(
            "Thank the parent company of Fay Failure",
            action_type="message_post",
            parameters={
                "model": "res.partner",
                "res_id": self.customer.id,
                "body": "Thanks to {{ target.parent_id.name }} for the order.",
            },
        )
        messages_before = self.customer.message_ids
        self.start_tour("/odoo/ai-coo", "aiom_coo_inbox_failure", login="tour_approver")
        self.assertEqual(action.state, "failed")
        self.assertIn("target.parent_id is empty", action.error_message)
        self.assertEqual(self.customer.message_ids, messages_before, "nothing was posted")

    def test_email_card_warns_before_approval(self):
        """Odoo's outgoing mail chosen and no mail server: the email's card and form say so before
        anyone approves; other cards do not."""
        self.env["ir.config_parameter"].set_param("aiom_coo.email_transport", "odoo")
        self.env["ir.mail_server"].search([]).unlink()
        self.propose(
            "Email Wanda Warning",
            action_type="email_send",
            parameters={"to": ["wanda@example.com"], "subject": "Hello", "body": "Hi Wanda"},
        )
        self.propose_contact("Create contact Nora Nowarning", "Nora Nowarning")
        with patch.dict(tools.config.options, {"smtp_server": ""}):
            self.start_tour("/odoo/ai-coo", "aiom_coo_inbox_email_problem", login="tour_approver")

    def test_no_buttons_without_the_approver_group(self):
        """A user who may only see actions gets the cards without any approval button."""
        action = self.propose_contact("Create contact Vic Viewer", "Vic Viewer", rationale="Seen, not approved")
        self.start_tour("/odoo/ai-coo", "aiom_coo_inbox_no_buttons", login="tour_viewer")
        self.assertEqual(action.state, "pending")

    def test_dashboard(self):
        """The dashboard shows pending actions by risk and the top agents, and opens the actions behind them."""
        self.env["aiom.action"].search([("state", "=", "pending"), ("risk_level", "=", "high")]).with_user(
            self.approver
        ).action_cancel()
        self.propose(
            "Email Dina Dashboard",
            action_type="email_send",
            parameters={"to": ["dina@example.com"], "subject": "Hello", "body": "Hi Dina"},
            risk_level="high",
            agent="Dashboard tour agent",
        )
        # Enough proposals from that agent to be among the top five whatever the demo holds.
        for index in range(10):
            self.propose_contact(f"Create contact Dash {index}", f"Dash {index}", agent="Dashboard tour agent")
        self.start_tour("/odoo/action-aiom_coo.aiom_dashboard_action", "aiom_coo_dashboard", login="tour_approver")
