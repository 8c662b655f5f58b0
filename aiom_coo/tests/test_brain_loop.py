from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import BrainLoopCase

START = datetime(2026, 10, 1, 9, 0)


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
