from odoo.tests import HttpCase, tagged

from odoo.addons.web.tests.test_js import unit_test_error_checker


def hoot_hash(name):
    """The id under which Hoot filters a suite or a test (web/tests/test_js.py computes it the same way)."""
    value = 0
    for char in name:
        value = ((value << 5) - value + ord(char)) & 0xFFFFFFFF
    return f"{value:08x}"


@tagged("post_install", "-at_install")
class TestHoot(HttpCase):
    def test_aiom_coo_unit_tests(self):
        """The Hoot unit tests of aiom_coo's OWL components pass in headless Chromium."""
        suite = hoot_hash("@aiom_coo")
        self.browser_js(
            f"/web/tests?headless&loglevel=2&preset=desktop&timeout=15000&suite={suite}",
            "",
            "",
            login="admin",
            timeout=600,
            success_signal="[HOOT] test suite succeeded",
            error_checker=unit_test_error_checker,
        )
