import base64
from unittest.mock import patch

import odoo
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import AiomCase
from .smtp_server import LocalSmtpServer, closed_port, committed_mail_server


@tagged("post_install", "-at_install")
class TestOdooTransport(AiomCase):
    """Emails through Odoo's own outgoing mail: a ``mail.mail`` sent through an ``ir.mail_server``
    that points at a real SMTP server on 127.0.0.1."""

    @classmethod
    def setUpClass(cls):
        cls.smtp = LocalSmtpServer().start()
        cls.addClassCleanup(cls.smtp.stop)
        cls.mail_server_id = committed_mail_server(smtp_host="127.0.0.1", smtp_port=cls.smtp.port, sequence=1)
        cls.addClassCleanup(committed_mail_server, cls.mail_server_id, unlink=True)
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")

    def setUp(self):
        super().setUp()
        self.smtp.clear()
        params = self.env["ir.config_parameter"]
        params.set_param("aiom_coo.email_transport", "odoo")
        params.set_param("aiom_coo.default_sender", "coo@yourcompany.example.com")
        self.env.ref("aiom_coo.guardrail_policy_main").email_senders = "billing@yourcompany.example.com"
        # Odoo's own test runner skips SMTP (odoo.modules.module.current_test); these tests talk to
        # the local server for real, whichever runner runs them.
        patcher = patch.object(odoo.modules.module, "current_test", False)
        patcher.start()
        self.addCleanup(patcher.stop)
        # Followers hear of failed actions by email, through this same server: in their inbox here,
        # so that the server sees the actions' emails only.
        (self.user | self.approver | self.manager | self.admin).notification_type = "inbox"

    def email_action(self, target=None, **parameters):
        parameters = {"to": ["azure@example.com"], "subject": "Your invoice", "body": "Please pay.", **parameters}
        target = target if target is not None else self.customer
        return self.propose(
            name="Email Azure",
            action_type="email_send",
            parameters=parameters,
            target={"model": target._name, "id": target.id},
        )

    def approve(self, action, retry=False):
        approver = action.with_user(self.admin)
        approver.action_retry() if retry else approver.action_approve()
        return action

    def logged_emails(self, record):
        return self.chatter(record).filtered(lambda m: m.message_type == "email_outgoing")

    def test_sends_through_the_outgoing_mail_server(self):
        """Every part of the email reaches the SMTP server in one message; Bcc only on the envelope."""
        attachment = self.env["ir.attachment"].create(
            {
                "name": "invoice.txt",
                "datas": base64.b64encode(b"INV/42"),
                "mimetype": "text/plain",
                "res_model": "res.partner",
                "res_id": self.customer.id,
            }
        )
        mails_before = self.env["mail.mail"].search_count([])
        action = self.approve(
            self.email_action(
                to=["Azure Interior <azure@example.com>"],
                cc=["cfo@example.com"],
                bcc=["archive@yourcompany.example.com"],
                html="<p>Please <b>pay</b></p><script>alert(1)</script>",
                reply_to="billing@yourcompany.example.com",
                attachment_ids=[attachment.id],
                headers={"In-Reply-To": "<order-42@example.com>", "References": "<order-42@example.com>"},
            )
        )
        self.assertEqual(action.state, "executed", action.error_message)
        self.assertEqual(len(self.smtp.messages), 1)
        sent = self.smtp.messages[0]
        self.assertEqual(
            sorted(sent["rcpt_tos"]), ["archive@yourcompany.example.com", "azure@example.com", "cfo@example.com"]
        )
        message = sent["message"]
        self.assertEqual(message["From"], "coo@yourcompany.example.com")
        self.assertEqual(message["To"], "Azure Interior <azure@example.com>")
        self.assertEqual(message["Cc"], "cfo@example.com")
        self.assertIsNone(message["Bcc"], "blind copies never appear in the headers")
        self.assertEqual(message["Subject"], "Your invoice")
        self.assertEqual(message["Reply-To"], "billing@yourcompany.example.com")
        self.assertEqual(message["In-Reply-To"], "<order-42@example.com>")
        self.assertEqual(message["References"], "<order-42@example.com>")
        html = message.get_body(("html",)).get_content()
        self.assertIn("<b>pay</b>", html)
        self.assertNotIn("<script>", html)
        self.assertIn("Please *pay*", message.get_body(("plain",)).get_content())
        attachments = list(message.iter_attachments())
        self.assertEqual([(a.get_filename(), a.get_content()) for a in attachments], [("invoice.txt", "INV/42")])

        result = action.result["email_send"]
        self.assertEqual((result["sent"], result["provider"]), (True, "odoo"))
        self.assertEqual(result["email_id"], message["Message-Id"])
        self.assertEqual(len(result["recipients"]), 3)
        summary = self.chatter(action).filtered(lambda m: "Odoo outgoing mail server email id" in (m.body or ""))
        self.assertIn(message["Message-Id"].strip("<>"), summary.body)

        # The email is shown where people look: on the customer, as a sent email, notifying nobody.
        logged = self.logged_emails(self.customer)
        self.assertEqual(len(logged), 1)
        self.assertEqual(logged.subject, "Your invoice")
        self.assertEqual(logged.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertTrue(logged.is_internal, "internal: it lists the blind copies")
        self.assertEqual(logged.author_id, self.admin.partner_id)
        self.assertEqual(logged.message_id, message["Message-Id"], "a reply finds the customer")
        self.assertEqual(logged.attachment_ids, attachment)
        for text in ("Azure Interior", "cfo@example.com", "Bcc:", "archive@yourcompany.example.com", "<b>pay</b>"):
            self.assertIn(text, logged.body)
        self.assertNotIn("<script>", logged.body)
        self.assertIn(f"/odoo/aiom.action/{action.id}", logged.body, "links back to the action")
        self.assertFalse(logged.partner_ids)
        self.assertFalse(logged.notification_ids)
        # The transport's own mail.mail is committed apart; the log and the note queue no email.
        self.assertEqual(self.env["mail.mail"].search_count([]), mails_before)
        self.assertEqual(len(self.smtp.messages), 1)

        receipt = self.env["aiom.email.receipt"]._accepted_result(action.step_ids)
        self.assertEqual((receipt["provider"], receipt["email_id"]), ("odoo", message["Message-Id"]))

    def test_text_body_is_escaped_in_the_chatter(self):
        """A plain-text body is sent as text and shown as text, never as HTML."""
        action = self.approve(self.email_action(body="Total <b>due</b> & payable\nThanks"))
        self.assertEqual(action.state, "executed", action.error_message)
        self.assertIn("Total <b>due</b> & payable", self.smtp.messages[0]["message"].get_body(("plain",)).get_content())
        logged = self.logged_emails(self.customer)
        self.assertIn("Total &lt;b&gt;due&lt;/b&gt; &amp; payable", logged.body)

    def test_refusals_say_why_and_transient_ones_are_retried_later(self):
        """451 fails the action as transient (the brain loop retries it); 554 fails it for good."""
        transient = self.approve(self.email_action())
        self.assertEqual(transient.state, "executed")
        self.smtp.fail_next("451")
        transient = self.approve(self.email_action())
        self.assertEqual(transient.state, "failed")
        self.assertIn("451 4.3.0 Temporary local problem", transient.error_message)
        self.assertTrue(transient.retry_at, "a 4xx answer may pass: retried with backoff")
        self.smtp.fail_next("554")
        final = self.approve(self.email_action())
        self.assertEqual(final.state, "failed")
        self.assertIn("554 5.7.1 Message rejected: sender domain not allowed", final.error_message)
        self.assertFalse(final.retry_at)
        self.smtp.fail_next("450-rcpt")
        busy = self.approve(self.email_action())
        self.assertEqual(busy.state, "failed")
        self.assertIn("450 4.2.1 Mailbox busy", busy.error_message)
        self.assertTrue(busy.retry_at)
        self.assertEqual(len(self.smtp.messages), 1, "only the first email was accepted")
        for action in transient | final | busy:
            self.assertFalse(self.env["aiom.email.receipt"]._accepted_result(action.step_ids))
        self.assertEqual(len(self.logged_emails(self.customer)), 1, "refused emails are not logged as sent")
        transient = self.approve(transient, retry=True)
        self.assertEqual(transient.state, "executed", transient.error_message)
        self.assertEqual(len(self.smtp.messages), 2)

    def test_unreachable_server_is_transient(self):
        """A server that refuses connections fails the action as transient, with the reason."""
        committed_mail_server(self.mail_server_id, smtp_port=closed_port())
        self.addCleanup(committed_mail_server, self.mail_server_id, smtp_port=self.smtp.port)
        action = self.approve(self.email_action())
        self.assertEqual(action.state, "failed")
        self.assertIn("ConnectionRefusedError", action.error_message)
        self.assertTrue(action.retry_at)

    def test_dropped_connection_is_not_retried_blindly(self):
        """A connection lost after the message left may mean it was accepted: the action says so."""
        self.smtp.fail_next("drop")
        action = self.approve(self.email_action())
        self.assertEqual(action.state, "failed")
        self.assertIn("the email may have been sent", action.error_message)
        self.assertFalse(action.retry_at)

    def workflow(self, *subjects):
        steps = [
            {
                "name": "contact",
                "action_type": "odoo_create",
                "parameters": {"model": "res.partner", "values": {"name": "Emailed Contact"}},
            }
        ]
        steps += [
            {
                "name": subject,
                "action_type": "email_send",
                "parameters": {"to": ["a@example.com"], "subject": subject, "body": "x"},
            }
            for subject in subjects
        ]
        return self.propose(steps=steps, target={"model": "res.partner", "id": self.customer.id})

    def test_retry_never_resends_and_logs_each_email_once(self):
        """The second email is refused: the first one, sent, stays in the chatter after the
        rollback; the retry sends only the second and logs it; nothing is logged twice."""
        self.smtp.fail_next("ok", "554")
        action = self.approve(self.workflow("first", "second"))
        self.assertEqual(action.state, "failed")
        self.assertEqual(self.logged_emails(self.customer).mapped("subject"), ["first"])
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Emailed Contact")]))
        self.approve(action, retry=True)
        self.assertEqual(action.state, "executed", action.error_message)
        self.assertEqual([m["message"]["Subject"] for m in self.smtp.messages], ["first", "second"])
        self.assertEqual(self.smtp.attempts, 3)
        self.assertTrue(action.result["first"]["already_sent"])
        self.assertEqual(self.logged_emails(self.customer).mapped("subject"), ["first", "second"])

    def test_logs_on_the_action_when_the_target_has_no_chatter(self):
        """Without a target (or one without a chatter) the email is logged on the action itself."""
        action = self.approve(
            self.propose(
                name="Email without target",
                action_type="email_send",
                parameters={"to": ["a@example.com"], "subject": "No target", "body": "x"},
            )
        )
        self.assertEqual(action.state, "executed", action.error_message)
        self.assertEqual(self.logged_emails(action).mapped("subject"), ["No target"])

    def test_settings_test_email_button(self):
        """Send test email goes through Odoo's outgoing mail server and says so."""
        self.admin.email = "admin@yourcompany.example.com"
        settings = self.env["res.config.settings"].with_user(self.admin).create({"aiom_email_transport": "odoo"})
        self.assertFalse(settings.aiom_email_problem)
        notification = settings.action_aiom_send_test_email()
        self.assertEqual(notification["params"]["type"], "success")
        self.assertIn("Odoo's outgoing mail server accepted", notification["params"]["message"])
        self.assertEqual(self.smtp.messages[-1]["rcpt_tos"], ["admin@yourcompany.example.com"])
        self.smtp.fail_next("554")
        with self.assertRaisesRegex(UserError, "554 5.7.1"):
            settings.action_aiom_send_test_email()
