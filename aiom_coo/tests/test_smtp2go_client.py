from odoo.tests import BaseCase, tagged

from ..smtp2go import Smtp2goClient, Smtp2goError
from .smtp2go_server import API_KEY, FakeSmtp2go


@tagged("post_install", "-at_install")
class TestSmtp2goClient(BaseCase):
    """The client alone: backoff, Retry-After and bounds, with the waits recorded instead of slept."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.smtp2go = FakeSmtp2go().start()
        cls.addClassCleanup(cls.smtp2go.stop)

    def setUp(self):
        super().setUp()
        self.smtp2go.requests.clear()
        self.smtp2go.behaviours.clear()
        self.waits = []
        self.client = Smtp2goClient(API_KEY, base_url=self.smtp2go.base_url, timeout=2, sleep=self.waits.append)

    def send(self):
        return self.client.send(sender="a@example.com", to=["b@example.com"], subject="s", text_body="t")

    def test_exponential_backoff_is_bounded(self):
        """Four 500s: three retries waiting 0.5, 1 and 2 s, then the error."""
        self.smtp2go.fail_next("500", "500", "500", "500")
        with self.assertRaisesRegex(Smtp2goError, "HTTP 500"):
            self.send()
        self.assertEqual(self.waits, [0.5, 1.0, 2.0])
        self.assertEqual(len(self.smtp2go.requests), 4)

    def test_retry_after_is_honoured_and_capped(self):
        """429's Retry-After sets the wait, capped by max_wait."""
        self.smtp2go.fail_next("429:4", "429:600")
        result = self.send()
        self.assertEqual(self.waits, [4.0, 10.0])
        self.assertTrue(result["email_id"])
        self.assertTrue(result["request_id"])

    def test_refused_connection_is_reported(self):
        """Nothing listening: a clear error, retried because nothing was sent."""
        client = Smtp2goClient(API_KEY, base_url="http://127.0.0.1:9/v3", timeout=1, sleep=self.waits.append)
        with self.assertRaisesRegex(Smtp2goError, "Could not connect to SMTP2GO"):
            client.send(sender="a@example.com", to=["b@example.com"], subject="s", text_body="t")
        self.assertEqual(len(self.waits), 3)

    def test_missing_key(self):
        """No API key: the documented message, before any request."""
        with self.assertRaisesRegex(Smtp2goError, "SMTP2GO API key is not configured"):
            Smtp2goClient("")
