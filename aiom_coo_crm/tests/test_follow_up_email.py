import os
from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

import odoo
from odoo.tests import tagged

from odoo.addons.aiom_coo.tests.common import BrainLoopCase
from odoo.addons.aiom_coo.tests.smtp_server import LocalSmtpServer, committed_mail_server

START = datetime(2026, 10, 1, 9, 0)


@tagged("post_install", "-at_install")
class TestFollowUpEmailWithoutSmtp2go(BrainLoopCase):
    """Day one: an outgoing mail server, no SMTP2GO key. The stalled-deal follow-up is proposed
    without a warning, and approving it emails the customer through Odoo's outgoing mail; the
    lead's chatter shows the email."""

    @classmethod
    def setUpClass(cls):
        cls.smtp = LocalSmtpServer().start()
        cls.addClassCleanup(cls.smtp.stop)
        # Committed (the transport sends from a transaction of its own) before the test's own starts.
        server_id = committed_mail_server(smtp_host="127.0.0.1", smtp_port=cls.smtp.port, sequence=1)
        cls.addClassCleanup(committed_mail_server, server_id, unlink=True)
        super().setUpClass()
        cls.analyzer = cls.env.ref("aiom_coo_crm.analyzer_stalled_deals")
        # Approved by a committed user: receipts and the sent email are committed apart.
        cls.admin = cls.env.ref("base.user_admin")

    def setUp(self):
        super().setUp()
        self.smtp.clear()  # the test users' invitations went through it too
        params = self.env["ir.config_parameter"]
        for key in ("email_transport", "smtp2go_api_key", "default_sender"):
            params.set_param(f"aiom_coo.{key}", False)
        self.env.company.email = "sales@yourcompany.example.com"
        for patcher in (
            patch.dict(os.environ, {"SMTP2GO_API_KEY": ""}),
            # Odoo's own test runner skips SMTP; this test talks to the local server for real.
            patch.object(odoo.modules.module, "current_test", False),
        ):
            patcher.start()
            self.addCleanup(patcher.stop)
        # The salesperson hears of the activity by email from Odoo itself: in the inbox here.
        (self.approver | self.admin).notification_type = "inbox"

    def test_follow_up_goes_out_through_odoo_outgoing_mail(self):
        lead = self.env["crm.lead"].create(
            {
                "name": "Ten standing desks",
                "type": "opportunity",
                "partner_id": self.customer.id,
                "stage_id": self.env["crm.stage"].search([("is_won", "=", False)], order="sequence", limit=1).id,
                "expected_revenue": 12000,
                "user_id": self.approver.id,
            }
        )
        lead.date_last_stage_update = START
        with freeze_time(START + timedelta(days=20)):
            self.run_loop()
        action = self.proposals_for(self.analyzer).filtered(lambda a: a.target_res_id == lead.id)
        self.assertEqual(action.step_ids.mapped("action_type"), ["activity_schedule", "email_send"])
        self.assertEqual(self.env["aiom.email.transport"]._transport(), "odoo")
        self.assertFalse(action.execution_problem, "nothing to warn about: Odoo's outgoing mail will send it")

        action.with_user(self.admin).action_approve()

        self.assertEqual(action.state, "executed", action.error_message)
        self.assertEqual(len(self.smtp.messages), 1)
        sent = self.smtp.messages[0]
        self.assertEqual(sent["rcpt_tos"], ["azure@example.com"])
        self.assertIn("sales@yourcompany.example.com", sent["message"]["From"], "the company's address")
        self.assertIn("Ten standing desks", sent["message"]["Subject"])
        logged = lead.message_ids.filtered(lambda message: message.message_type == "email_outgoing")
        self.assertEqual(len(logged), 1)
        self.assertEqual(logged.subject, sent["message"]["Subject"])
        self.assertEqual(logged.message_id, sent["message"]["Message-Id"])
        self.assertEqual(lead.activity_ids.user_id, self.approver)
        # The follow-up email itself is not contact with the customer: a week later, still silent,
        # the second follow-up comes.
        with freeze_time(action.executed_date + timedelta(days=7, hours=1)):
            self.run_loop()
        second = self.proposals_for(self.analyzer).filtered(lambda a: a.target_res_id == lead.id) - action
        self.assertEqual(len(second), 1)
        self.assertIn("Second follow-up", second.name)
