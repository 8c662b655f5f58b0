from unittest.mock import patch

import odoo
from odoo.tests import new_test_user, tagged

from .common import AiomCase
from .smtp_server import LocalSmtpServer, committed_mail_server


class ApproversCase(AiomCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls.env.ref("aiom_coo.guardrail_policy_main")
        cls.to_approve = cls.env.ref("aiom_coo.mail_activity_type_to_approve")
        # The people who can decide, among this database's own users (demo data has more).
        cls.approvers = cls.env["aiom.action"]._deciders(cls.env.company, "medium")
        cls.high_deciders = cls.env["aiom.action"]._deciders(cls.env.company, "high")

    def propose_named(self, name, **vals):
        parameters = {"model": "res.partner", "values": {"name": name}}
        return self.propose(user=self.user, name=name, action_type="odoo_create", parameters=parameters, **vals)

    def activities(self, action, active=True):
        return (
            self.env["mail.activity"]
            .with_context(active_test=False)
            .search(
                [
                    ("res_model", "=", "aiom.action"),
                    ("res_id", "=", action.id),
                    ("activity_type_id", "=", self.to_approve.id),
                    ("active", "=", active),
                ]
            )
        )


@tagged("post_install", "-at_install")
class TestToApprove(ApproversCase):
    def test_high_risk_asks_the_high_risk_group_only(self):
        """A high-risk proposal asks the policy's high-risk approvers, not its proposer nor plain approvers."""
        action = self.propose_create_partner(user=self.approver, risk_level="high")
        self.assertTrue(action.approvers_asked)
        asked = self.activities(action).user_id
        self.assertIn(self.manager, asked)
        self.assertNotIn(self.approver, asked, "the proposer (and a non-manager) is not asked")
        self.assertNotIn(self.limited_approver, asked, "plain approvers cannot decide high risk")
        self.assertEqual(asked, self.high_deciders - self.approver)
        self.assertNotIn(self.env.ref("aiom_coo.user_aiom_operator"), asked)
        self.assertFalse(
            asked.partner_id & action.message_partner_ids, "asked to decide, not subscribed to every outcome"
        )

    def test_below_the_threshold_nobody_is_asked(self):
        """The default policy asks for high risk or high priority; a medium, normal proposal waits in the inbox."""
        action = self.propose_create_partner(user=self.user, risk_level="medium")
        self.assertFalse(action.approvers_asked)
        self.assertFalse(self.activities(action))

    def test_priority_threshold_asks_every_approver(self):
        action = self.propose_create_partner(user=self.user, risk_level="low", priority="2")
        self.assertEqual(self.activities(action).user_id, self.approvers - self.user)
        self.assertIn(self.limited_approver, self.activities(action).user_id)

    def test_the_policy_sets_the_threshold(self):
        self.policy.write({"approval_request_risk": "low", "approval_request_priority": "never"})
        self.assertTrue(self.activities(self.propose_create_partner(user=self.user, risk_level="low")))
        self.policy.write({"approval_request_risk": "never"})
        self.assertFalse(self.activities(self.propose_create_partner(user=self.user, priority="3")))

    def test_done_for_everyone_when_anyone_decides(self):
        """Approve, reject, cancel or expiry: every 'To approve' of the proposal is done, kept as done."""
        decisions = {
            "approve": lambda action: action.with_user(self.limited_approver).action_approve(),
            "reject": lambda action: action.with_user(self.approver).action_reject("No"),
            "cancel": lambda action: action.with_user(self.approver).action_cancel(),
            "expire": lambda action: action.with_user(self.env.ref("aiom_coo.user_aiom_operator"))._expire(),
        }
        for decision, decide in decisions.items():
            with self.subTest(decision):
                action = self.propose(
                    user=self.user,
                    priority="2",
                    action_type="message_post",
                    parameters={"model": "res.partner", "res_id": self.customer.id, "body": "Hello"},
                )
                asked = self.activities(action)
                self.assertGreater(len(asked), 1)
                decide(action)
                self.assertNotEqual(action.state, "pending")
                self.assertFalse(self.activities(action), "no one is left with a 'To approve'")
                done = self.activities(action, active=False)
                self.assertEqual(done, asked)
                self.assertTrue(all(done.mapped("date_done")))

    def test_a_batch_of_proposals_asks_in_one_go(self):
        """The brain loop's batches: asking approvers costs a fixed number of queries per batch,
        however many proposals it holds (the activities are inserted together)."""
        Action = self.Action.with_user(self.user)

        def batch(count, tag, priority):
            vals = [
                {
                    "name": f"{tag} {index}",
                    "priority": priority,
                    "action_type": "odoo_create",
                    "parameters": {"model": "res.partner", "values": {"name": f"{tag} {index}"}},
                }
                for index in range(count)
            ]
            self.env.flush_all()
            before = self.cr.sql_log_count
            actions = Action._propose_many(vals)
            self.env.flush_all()
            count = self.cr.sql_log_count - before
            self.assertEqual(all(self.activities(action) for action in actions), priority == "2")
            return count

        batch(2, "Warm-up", "2")
        batch(2, "Warm-up quiet", "0")
        asking = batch(20, "Asking", "2") - batch(2, "Asking few", "2")
        quiet = batch(20, "Quiet", "0") - batch(2, "Quiet few", "0")
        self.assertLessEqual(asking, quiet + 2, f"18 more proposals: {asking} queries asking, {quiet} without")


@tagged("post_install", "-at_install")
class TestDigest(ApproversCase):
    """The daily digest, through Odoo's outgoing mail to a real SMTP server on 127.0.0.1."""

    @classmethod
    def setUpClass(cls):
        cls.smtp = LocalSmtpServer().start()
        cls.addClassCleanup(cls.smtp.stop)
        cls.mail_server_id = committed_mail_server(smtp_host="127.0.0.1", smtp_port=cls.smtp.port, sequence=1)
        cls.addClassCleanup(committed_mail_server, cls.mail_server_id, unlink=True)
        super().setUpClass()

    def setUp(self):
        super().setUp()
        self.smtp.clear()
        params = self.env["ir.config_parameter"]
        params.set_param("aiom_coo.email_transport", "odoo")
        params.set_param("aiom_coo.default_sender", "coo@yourcompany.example.com")
        patcher = patch.object(odoo.modules.module, "current_test", False)
        patcher.start()
        self.addCleanup(patcher.stop)
        # Only this test's approvers get digests: the database's others have opted out.
        others = self.env["res.users"].search([]) - self.approver - self.manager
        others.aiom_digest_opt_out = True

    def digests_to(self, user):
        return [
            message["message"]
            for message in self.smtp.messages
            if any(user.email.lower() in rcpt.lower() for rcpt in message["rcpt_tos"])
        ]

    def html(self, message):
        return next(part.get_content() for part in message.walk() if part.get_content_type() == "text/html")

    def test_one_digest_per_approver_grouped_by_risk(self):
        """However many proposals wait, each approver gets one email listing them by risk, linked to their cards."""
        self.approver.email = "alex.approver@example.com"
        self.manager.email = "max.manager@example.com"
        pending = [self.propose_named(f"Digest {index}", risk_level="medium") for index in range(5)]
        high = self.propose_named("Digest high", risk_level="high")
        low = self.propose_named("Digest low", risk_level="low")
        sent = self.Action._cron_approval_digest()
        self.assertEqual(sent, 2)
        [to_approver] = self.digests_to(self.approver)
        [to_manager] = self.digests_to(self.manager)
        body = self.html(to_manager)
        self.assertIn("wait for your approval", str(to_manager["Subject"]))
        self.assertLess(body.index("High risk"), body.index("Medium risk"))
        self.assertLess(body.index("Medium risk"), body.index("Low risk"))
        for action in [*pending, high, low]:
            self.assertIn(f"/odoo/aiom.action/{action.id}", body)
        approver_body = self.html(to_approver)
        self.assertNotIn("Digest high", approver_body, "a plain approver cannot decide high risk")
        self.assertIn("Digest low", approver_body)
        # Run again the same day (a second loop run): nobody gets a second digest.
        self.smtp.clear()
        self.assertEqual(self.Action._cron_approval_digest(), 0)
        self.assertFalse(self.smtp.messages)

    def test_opt_out_in_preferences(self):
        """An approver who ticks the box in their preferences gets no digest."""
        self.manager.email = "max.manager@example.com"
        self.approver.email = "alex.approver@example.com"
        self.approver.with_user(self.approver).write({"aiom_digest_opt_out": True})
        self.propose_create_partner(user=self.user, name="Waiting")
        self.Action._cron_approval_digest()
        self.assertFalse(self.digests_to(self.approver))
        self.assertEqual(len(self.digests_to(self.manager)), 1)

    def test_nothing_waiting_no_email(self):
        self.env["aiom.action"].search([("state", "=", "pending")])._expire()
        self.assertEqual(self.Action._cron_approval_digest(), 0)
        self.assertFalse(self.smtp.messages)

    def test_preferences_show_the_opt_out(self):
        view = self.env.ref("base.view_users_form_simple_modif")
        arch = self.env["res.users"].with_user(self.approver).get_view(view.id)["arch"]
        self.assertIn('name="aiom_digest_opt_out"', arch)
        viewer = new_test_user(self.env, "aiom_digest_viewer", groups="aiom_coo.group_aiom_user")
        self.assertNotIn("aiom_digest_opt_out", self.env["res.users"].with_user(viewer).get_view(view.id)["arch"])
