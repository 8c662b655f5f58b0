import base64
import os
from unittest.mock import patch

import requests

from odoo import tools
from odoo.exceptions import UserError, ValidationError
from odoo.tests import common as odoo_test_common
from odoo.tests import tagged

from .common import AiomCase
from .smtp2go_server import API_KEY, FakeSmtp2go
from .smtp_server import closed_port


@tagged("post_install", "-at_install")
class TestEmailStep(AiomCase):
    """The email_send step against a local server speaking SMTP2GO's v3 API."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.smtp2go = FakeSmtp2go().start()
        cls.addClassCleanup(cls.smtp2go.stop)
        # Receipts are committed from their own transaction: the approver must be a committed user.
        cls.admin = cls.env.ref("base.user_admin")

    def setUp(self):
        super().setUp()
        self.smtp2go.requests.clear()
        self.smtp2go.behaviours.clear()
        params = self.env["ir.config_parameter"]
        params.set_param("aiom_coo.smtp2go_api_key", API_KEY)
        params.set_param("aiom_coo.smtp2go_base_url", self.smtp2go.base_url)
        params.set_param("aiom_coo.default_sender", "coo@yourcompany.example.com")
        params.set_param("aiom_coo.smtp2go_timeout", "3")
        # Replies may go to the billing address: an allowed sender of this company.
        self.env.ref("aiom_coo.guardrail_policy_main").email_senders = "billing@yourcompany.example.com"

    def email_action(self, **parameters):
        parameters = {"to": ["azure@example.com"], "subject": "Your invoice", "body": "Please pay.", **parameters}
        return self.propose(
            name="Email Azure",
            action_type="email_send",
            parameters=parameters,
            target={"model": "res.partner", "id": self.customer.id},
        )

    def approve(self, action):
        action.with_user(self.admin).action_approve()
        return action

    def test_sends_one_request_with_the_payload(self):
        """Approving sends exactly one request with every part of the email, and shows the id."""
        attachment = self.env["ir.attachment"].create(
            {
                "name": "invoice.txt",
                "datas": base64.b64encode(b"INV/42"),
                "mimetype": "text/plain",
                # On the customer's record: the proposer may read it, so the plan may mail it.
                "res_model": "res.partner",
                "res_id": self.customer.id,
            }
        )
        action = self.approve(
            self.email_action(
                to=["Azure Interior <azure@example.com>"],
                cc=["cfo@example.com"],
                bcc=["archive@yourcompany.example.com"],
                html="<p>Please <b>pay</b></p><script>alert(1)</script>",
                reply_to="billing@yourcompany.example.com",
                attachment_ids=[attachment.id],
                headers={"In-Reply-To": "<order-42@example.com>"},
            )
        )
        self.assertEqual(action.state, "executed", action.error_message)
        self.assertEqual(len(self.smtp2go.requests), 1)
        request = self.smtp2go.requests[0]
        self.assertEqual(request["headers"]["X-Smtp2go-Api-Key"], API_KEY)
        sent = request["json"]
        self.assertEqual(sent["sender"], "coo@yourcompany.example.com")
        self.assertEqual(
            (sent["to"], sent["cc"], sent["bcc"]),
            (["Azure Interior <azure@example.com>"], ["cfo@example.com"], ["archive@yourcompany.example.com"]),
        )
        self.assertEqual((sent["subject"], sent["text_body"]), ("Your invoice", "Please pay."))
        self.assertIn("<b>pay</b>", sent["html_body"])
        self.assertNotIn("<script>", sent["html_body"])
        self.assertIn({"header": "Reply-To", "value": "billing@yourcompany.example.com"}, sent["custom_headers"])
        self.assertIn({"header": "In-Reply-To", "value": "<order-42@example.com>"}, sent["custom_headers"])
        self.assertEqual(
            sent["attachments"],
            [{"filename": "invoice.txt", "fileblob": base64.b64encode(b"INV/42").decode(), "mimetype": "text/plain"}],
        )
        result = action.result["email_send"]
        self.assertEqual((result["sent"], result["provider"]), (True, "smtp2go"))
        self.assertTrue(result["email_id"].startswith("1tEST-"))
        self.assertEqual(len(result["recipients"]), 3)
        summary = self.chatter(action).filtered(lambda m: "SMTP2GO email id" in (m.body or ""))
        self.assertIn(result["email_id"], summary.body)
        self.assertIn("cfo@example.com", summary.body)
        self.assertIn("Your invoice", summary.body)
        # The customer's chatter shows the email as sent (and the action's note), notifying nobody.
        logged = self.customer.message_ids.filtered(lambda m: m.message_type == "email_outgoing")
        self.assertEqual(len(logged), 1, "the email is logged on the target record")
        self.assertEqual((logged.subject, logged.author_id), ("Your invoice", self.admin.partner_id))
        self.assertIn(result["email_id"], logged.body)
        self.assertIn("archive@yourcompany.example.com", logged.body)
        self.assertIn(f"/odoo/aiom.action/{action.id}", logged.body)
        self.assertFalse(logged.notification_ids)

    def test_not_configured_sends_nothing(self):
        """SMTP2GO chosen without an API key: the card says so before anyone approves, the step
        fails with the same words and no request is made."""
        self.env["ir.config_parameter"].set_param("aiom_coo.email_transport", "smtp2go")
        self.env["ir.config_parameter"].set_param("aiom_coo.smtp2go_api_key", "")
        with patch.dict(os.environ, {"SMTP2GO_API_KEY": ""}):
            action = self.email_action()
            self.assertIn("SMTP2GO API key is not configured", action.execution_problem)
            card = self.Action.with_user(self.approver).web_search_read(
                [("id", "=", action.id)], {"execution_problem": {}}
            )["records"][0]
            self.assertEqual(card["execution_problem"], action.execution_problem)
            self.approve(action)
        self.assertEqual(action.state, "failed")
        self.assertIn("SMTP2GO API key is not configured", action.error_message)
        self.assertEqual(self.smtp2go.requests, [])

    def test_card_warns_when_no_outgoing_mail_server(self):
        """Odoo's outgoing mail without a mail server: every email proposal says so beforehand, the
        other proposals do not; approving fails with the same words and sends nothing."""
        params = self.env["ir.config_parameter"]
        params.set_param("aiom_coo.email_transport", "odoo")
        self.env["ir.mail_server"].search([]).unlink()
        plain = self.propose_create_partner()
        with patch.dict(tools.config.options, {"smtp_server": ""}):
            action = self.email_action()
            self.assertIn("No outgoing mail server is configured", action.execution_problem)
            self.assertFalse(plain.execution_problem)
            self.approve(action)
        self.assertEqual(action.state, "failed")
        self.assertIn("No outgoing mail server is configured", action.error_message)
        self.assertFalse(action.retry_at)
        self.assertEqual(self.smtp2go.requests, [])
        # Odoo's default (localhost:25) counts only when something answers there.
        with patch.dict(tools.config.options, {"smtp_server": "127.0.0.1", "smtp_port": closed_port()}):
            self.assertIn("nothing answers on 127.0.0.1", self.email_action(subject="Again").execution_problem)
        # Executed and rejected proposals have nothing to warn about.
        self.assertFalse(self.approve(self.propose_create_partner()).execution_problem)

    def test_missing_sender_is_shown_beforehand(self):
        """No default sender (SMTP2GO needs one): the card says so, unless the step names its sender."""
        self.env["ir.config_parameter"].set_param("aiom_coo.default_sender", "")
        self.assertIn("No sender", self.email_action().execution_problem)
        self.assertFalse(self.email_action(sender="billing@yourcompany.example.com").execution_problem)

    def test_transport_defaults_to_smtp2go_only_with_a_key(self):
        """No choice made: SMTP2GO when a key is configured (setting or environment), else Odoo's."""
        transport = self.env["aiom.email.transport"]
        params = self.env["ir.config_parameter"]
        self.assertEqual(transport._transport(), "smtp2go")
        params.set_param("aiom_coo.smtp2go_api_key", "")
        with patch.dict(os.environ, {"SMTP2GO_API_KEY": ""}):
            self.assertEqual(transport._transport(), "odoo")
            self.assertEqual(self.env["res.config.settings"].create({}).aiom_email_transport, "odoo")
        with patch.dict(os.environ, {"SMTP2GO_API_KEY": API_KEY}):
            self.assertEqual(transport._transport(), "smtp2go")
            params.set_param("aiom_coo.email_transport", "odoo")
            self.assertEqual(transport._transport(), "odoo", "a choice made in Settings wins")

    def test_environment_key_is_the_fallback(self):
        """The SMTP2GO_API_KEY environment variable serves when the setting is empty."""
        self.env["ir.config_parameter"].set_param("aiom_coo.smtp2go_api_key", "")
        with patch.dict(os.environ, {"SMTP2GO_API_KEY": API_KEY}):
            action = self.approve(self.email_action())
        self.assertEqual(action.state, "executed", action.error_message)

    def test_transient_errors_are_retried(self):
        """500 then 200, and 429 with Retry-After, end in one accepted email."""
        self.smtp2go.fail_next("500")
        first = self.approve(self.email_action())
        self.assertEqual(first.state, "executed", first.error_message)
        self.assertEqual(len(self.smtp2go.requests), 2)
        self.smtp2go.fail_next("429:1")
        second = self.approve(self.email_action())
        self.assertEqual(second.state, "executed", second.error_message)
        self.assertEqual(len(self.smtp2go.requests), 4)

    def test_refusals_fail_with_smtp2go_words(self):
        """401, 400 with field errors and non-JSON answers fail at once with SMTP2GO's message."""
        cases = {
            "401": ["HTTP 401", "E_ApiResponseCodes.API_KEY_INVALID", "Invalid API key"],
            "400-fields": ["HTTP 400", "NON_VALIDATING_IN_PAYLOAD", "sender: The sender domain is not verified"],
            "nonjson": ["non-JSON body", "Gateway says hello"],
        }
        for behaviour, expected in cases.items():
            with self.subTest(behaviour):
                self.smtp2go.requests.clear()
                self.smtp2go.fail_next(behaviour)
                action = self.approve(self.email_action())
                self.assertEqual(action.state, "failed")
                for text in expected:
                    self.assertIn(text, action.error_message)
                self.assertEqual(len(self.smtp2go.requests), 1, "refusals are not retried")

    def test_timeout_and_dropped_connection_are_not_retried(self):
        """A slow or dropped answer fails once, saying the email may have gone: retrying could send it twice."""
        self.env["ir.config_parameter"].set_param("aiom_coo.smtp2go_timeout", "0.5")
        self.smtp2go.fail_next("slow:3")
        # Odoo's test harness raises every timeout below 10 s to 10 s: use the real send here so
        # that the product's own timeout is what this test exercises.
        with patch.object(requests.Session, "send", odoo_test_common._super_send):
            slow = self.approve(self.email_action())
        self.assertEqual(slow.state, "failed")
        self.assertIn("did not answer within 0.5 s", slow.error_message)
        self.smtp2go.fail_next("drop")
        dropped = self.approve(self.email_action())
        self.assertEqual(dropped.state, "failed")
        self.assertIn("connection to SMTP2GO was lost", dropped.error_message)
        self.assertEqual(len(self.smtp2go.requests), 2)

    def workflow(self, *email_steps, fail_orm=False):
        steps = [
            {
                "name": "contact",
                "action_type": "odoo_create",
                "parameters": {"model": "res.partner", "values": {"name": "Emailed Contact"}},
            }
        ]
        steps += [
            {
                "name": name,
                "action_type": "email_send",
                "parameters": {"to": ["a@example.com"], "subject": name, "body": "x"},
            }
            for name in email_steps
        ]
        doomed = self.env["res.partner"].create({"name": "Deleted before approval"})
        if fail_orm:
            steps.append(
                {
                    "name": "broken",
                    "action_type": "odoo_update",
                    "parameters": {"model": "res.partner", "ids": [doomed.id], "values": {"ref": "x"}},
                }
            )
        action = self.propose(steps=steps)
        doomed.unlink()  # the update step fails at execution
        return action

    def test_failed_orm_step_sends_no_email(self):
        """Emails wait for every ORM step: a failing ORM step means no request at all."""
        action = self.approve(self.workflow("mail", fail_orm=True))
        self.assertEqual(action.state, "failed")
        self.assertEqual(self.smtp2go.requests, [])
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Emailed Contact")]))

    def test_failed_email_rolls_back_the_orm_steps(self):
        """An email SMTP2GO refuses fails the action and undoes its ORM changes."""
        self.smtp2go.fail_next("401")
        action = self.approve(self.workflow("mail"))
        self.assertEqual(action.state, "failed")
        self.assertIn("'mail'", action.error_message)
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Emailed Contact")]))

    def test_retry_never_resends_an_accepted_email(self):
        """When the second email fails, a retry sends only the second one."""
        self.smtp2go.fail_next("ok", "400-fields")
        action = self.approve(self.workflow("first", "second"))
        self.assertEqual(action.state, "failed")
        self.assertEqual(len(self.smtp2go.requests), 2)
        first_id = action.step_ids.filtered(lambda s: s.name == "first").result["email_id"]
        action.with_user(self.admin).action_retry()
        self.assertEqual(action.state, "executed", action.error_message)
        self.assertEqual([r["json"]["subject"] for r in self.smtp2go.requests], ["first", "second", "second"])
        self.assertEqual(action.result["first"]["email_id"], first_id)
        self.assertTrue(action.result["first"]["already_sent"])
        self.assertEqual(self.env["res.partner"].search_count([("name", "=", "Emailed Contact")]), 1)

    def test_addresses_and_recipient_limit_checked_at_proposal(self):
        """An invalid address is refused; too many recipients block the proposal with the rule's name."""
        with self.assertRaises(ValidationError):
            self.email_action(to=["not-an-address"])
        self.env.ref("aiom_coo.guardrail_policy_main").email_max_recipients = 2
        blocked = self.email_action(to=["a@example.com", "b@example.com"], cc=["c@example.com"])
        self.assertEqual(blocked.state, "blocked")
        self.assertIn("Guardrail 'email recipients': at most 2 recipients", blocked.error_message)

    def test_settings_test_email_button(self):
        """Send test email reports SMTP2GO's acceptance, or its exact error."""
        settings = self.env["res.config.settings"].create(
            {
                "aiom_smtp2go_api_key": API_KEY,
                "aiom_smtp2go_base_url": self.smtp2go.base_url,
                "aiom_default_sender": "coo@yourcompany.example.com",
            }
        )
        notification = settings.action_aiom_send_test_email()
        self.assertEqual(notification["params"]["type"], "success")
        self.assertIn("email id 1tEST-", notification["params"]["message"])
        self.assertEqual(self.smtp2go.requests[-1]["json"]["to"], [self.env.user.email])
        self.smtp2go.fail_next("401")
        with self.assertRaisesRegex(UserError, "Invalid API key"):
            settings.action_aiom_send_test_email()
