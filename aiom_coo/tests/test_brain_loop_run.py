import re
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import AiomCase

COUNTS = re.compile(
    r"Expired: (?P<expired>\d+), stopped: (?P<stopped>\d+), proposed: (?P<proposed>\d+), "
    r"retried: (?P<retried>\d+), executed: (?P<executed>\d+)\."
)


@tagged("post_install", "-at_install")
class TestRunTheBrainLoop(AiomCase):
    """Settings > Technical > Scheduled Actions > Run Manually, and AI COO > Configuration > Run the
    brain loop now."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cron = cls.env.ref("aiom_coo.ir_cron_brain_loop")
        cls.operator = cls.env.ref("aiom_coo.user_aiom_operator")
        cls.admin = cls.env.ref("base.user_admin")

    def stale_proposal(self):
        return self.propose_create_partner(expires_at=fields.Datetime.now() - timedelta(hours=1))

    def test_run_manually_as_administrator(self):
        """Run Manually by a Settings administrator runs the loop as the operator and records the
        run, although the operator may not write scheduled actions (and stays without admin rights)."""
        self.assertEqual(self.cron.user_id, self.operator)
        self.assertFalse(self.operator._is_system())
        with self.assertRaises(AccessError):
            self.env["ir.cron"].with_user(self.operator).check_access("write")
        stale = self.stale_proposal()
        self.cron.lastcall = False
        self.cron.with_user(self.admin).method_direct_trigger()
        self.assertEqual(stale.state, "expired")
        self.assertTrue(self.cron.lastcall, "the manual run is recorded")
        self.assertEqual(self.cron.write_uid, self.admin, "recorded as the administrator who clicked")

    def test_run_manually_stays_with_administrators(self):
        """Managers still may not Run Manually, nor write the run time themselves."""
        stale = self.stale_proposal()
        with self.assertRaises(AccessError):
            self.cron.with_user(self.manager).method_direct_trigger()
        with self.assertRaises(AccessError):
            self.cron.with_user(self.manager).write({"lastcall": fields.Datetime.now()})
        self.assertEqual(stale.state, "pending")

    def test_run_now_button_as_manager(self):
        """A manager's button runs one round as the operator and says what it did."""
        stale = self.stale_proposal()
        last_id = self.Action.search([], order="id desc", limit=1).id
        wizard = self.env["aiom.brain.loop.run"].with_user(self.manager).create({})
        notification = wizard.action_run()
        self.assertEqual(notification["tag"], "display_notification")
        counts = COUNTS.search(notification["params"]["message"])
        self.assertTrue(counts, notification["params"]["message"])
        self.assertEqual(stale.state, "expired")
        self.assertGreaterEqual(int(counts["expired"]), 1)
        new = self.Action.search([("id", ">", last_id)])
        self.assertEqual(int(counts["proposed"]), len(new))
        self.assertEqual(new.proposed_by_id, self.operator if new else self.env["res.users"], "as the operator")

    def test_run_now_is_for_managers(self):
        """The menu and the wizard are the managers'."""
        menu = self.env.ref("aiom_coo.menu_aiom_brain_loop_run")
        Menu = self.env["ir.ui.menu"]
        self.assertIn(menu.id, Menu.with_user(self.manager)._visible_menu_ids())
        self.assertNotIn(menu.id, Menu.with_user(self.approver)._visible_menu_ids())
        with self.assertRaises(AccessError):
            self.env["aiom.brain.loop.run"].with_user(self.approver).create({})
