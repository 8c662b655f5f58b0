from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import AiomCase


@tagged("post_install", "-at_install")
class TestTransitions(AiomCase):
    def test_illegal_transitions_raise(self):
        """Only the moves of the state machine are allowed."""
        executed = self.propose_create_partner()
        executed.with_user(self.approver).action_approve()
        with self.assertRaises(UserError):
            executed.with_user(self.approver).action_approve()
        with self.assertRaises(UserError):
            executed.with_user(self.approver).action_reject("too late")
        with self.assertRaises(UserError):
            executed.with_user(self.approver).action_retry()
        rejected = self.propose_create_partner()
        rejected.with_user(self.approver).action_reject("no")
        with self.assertRaises(UserError):
            rejected.with_user(self.approver).action_cancel()
        blocked = self.propose(action_type="odoo_search", parameters={"model": "res.groups"})
        self.assertEqual(blocked.state, "blocked")
        with self.assertRaises(UserError):
            blocked.with_user(self.approver).action_approve()

    def test_user_without_approver_group_cannot_decide(self):
        """A plain user cannot approve, reject, retry or cancel."""
        action = self.propose_create_partner()
        for method in ("action_approve", "action_reject", "action_retry", "action_cancel"):
            with self.subTest(method), self.assertRaises(AccessError):
                getattr(action.with_user(self.user), method)()
        self.assertEqual(action.state, "pending")
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Created by AI")]))

    def test_reject_and_cancel(self):
        """Reject records who and why; cancel ends a pending action."""
        action = self.propose_create_partner()
        action.with_user(self.approver).action_reject("Duplicate of an existing contact")
        self.assertEqual(action.state, "rejected")
        self.assertEqual(action.rejected_by_id, self.approver)
        self.assertEqual(action.reject_reason, "Duplicate of an existing contact")
        self.assertTrue(self.chatter(action).filtered(lambda m: "Duplicate of an existing contact" in (m.body or "")))
        cancelled = self.propose_create_partner()
        cancelled.with_user(self.approver).action_cancel()
        self.assertEqual(cancelled.state, "cancelled")

    def test_retry_after_failure(self):
        """A failed action can be retried and then succeeds; attempts are counted."""
        action = self.propose_create_partner(name="Key Account Ltd")
        action.with_user(self.limited_approver).action_approve()
        self.assertEqual(action.state, "failed", "this approver may not create contacts")
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Key Account Ltd")]))
        action.with_user(self.approver).action_retry()
        self.assertEqual(action.state, "executed", action.error_message)
        self.assertEqual(action.attempt_count, 2)
        self.assertEqual(action.approved_by_id, self.approver)
        self.assertFalse(action.error_message)
        self.assertTrue(self.env["res.partner"].search([("name", "=", "Key Account Ltd")]))

    def test_chatter_records_transitions(self):
        """The chatter tracks the state change and who approved, in one line."""
        action = self.propose_create_partner()
        self.flush_tracking()
        action.with_user(self.approver).action_approve()
        tracked = self.chatter(action).tracking_value_ids.filtered(lambda t: t.field_id.name == "state")
        self.assertEqual(
            sorted(zip(tracked.mapped("old_value_char"), tracked.mapped("new_value_char"), strict=True)),
            [("Pending", "Executed")],
        )
        approver_tracking = self.chatter(action).tracking_value_ids.filtered(
            lambda t: t.field_id.name == "approved_by_id"
        )
        self.assertEqual(approver_tracking.new_value_char, "Alex Approver")

    def test_expiry(self):
        """The brain loop expires stale proposals, and an expired one cannot be approved."""
        stale = self.propose_create_partner(expires_at=fields.Datetime.now() - timedelta(hours=1))
        fresh = self.propose_create_partner(expires_at=fields.Datetime.now() + timedelta(days=1))
        with self.assertRaises(UserError):
            stale.with_user(self.approver).action_approve()
        self.Action.with_user(self.env.ref("aiom_coo.user_aiom_operator"))._cron_brain_loop(batch_size=10)
        self.assertEqual(stale.state, "expired")
        self.assertEqual(fresh.state, "pending")


@tagged("post_install", "-at_install")
class TestConcurrentApproval(AiomCase):
    """Two transactions approving the same action: it executes once."""

    def test_concurrent_approval_executes_once(self):
        """The second approver gets a clear error while the first executes, and after it commits."""
        registry = self.env.registry
        name = "Concurrent Approval Co"
        with registry.cursor() as cr:
            env = api.Environment(cr, self.env.ref("base.user_admin").id, {})
            action_id = (
                env["aiom.action"]
                .propose(
                    {
                        "name": "Create the concurrent partner",
                        "action_type": "odoo_create",
                        "parameters": {"model": "res.partner", "values": {"name": name}},
                    }
                )
                .id
            )
        try:
            admin_id = self.env.ref("base.user_admin").id
            with (
                registry.cursor() as first_cr,
                registry.cursor() as second_cr,
                registry.cursor() as third_cr,
            ):
                first = api.Environment(first_cr, admin_id, {})
                second = api.Environment(second_cr, admin_id, {})
                third = api.Environment(third_cr, admin_id, {})
                third["aiom.action"].browse(action_id).state  # noqa: B018 - start the third snapshot now
                first["aiom.action"].browse(action_id).action_approve()
                with self.assertRaisesRegex(UserError, "being processed by someone else"):
                    second["aiom.action"].browse(action_id).action_approve()
                first_cr.commit()
                with self.assertRaisesRegex(UserError, "being processed by someone else"):
                    # Its snapshot predates the first commit: still refused, never executed twice.
                    third["aiom.action"].browse(action_id).action_approve()
            with registry.cursor() as cr:
                env = api.Environment(cr, self.env.ref("base.user_admin").id, {})
                with self.assertRaisesRegex(UserError, "already executed"):
                    env["aiom.action"].browse(action_id).action_approve()
                self.assertEqual(env["res.partner"].search_count([("name", "=", name)]), 1)
                self.assertEqual(env["aiom.action"].browse(action_id).state, "executed")
        finally:
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["res.partner"].search([("name", "=", name)]).unlink()
                env["aiom.action"].browse(action_id).unlink()
