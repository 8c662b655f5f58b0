from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestInboxTour(HttpCase):
    def test_open_inbox_from_app_menu(self):
        """In the browser, the AI COO app opens the Action Inbox with its demo proposals."""
        self.start_tour("/odoo", "aiom_coo_open_inbox", login="admin")
