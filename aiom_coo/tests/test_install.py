from odoo import Command
from odoo.tests import tagged

from .common import AiomCase


@tagged("post_install", "-at_install")
class TestInstall(AiomCase):
    def test_group_implications(self):
        """Manager implies approver implies user; settings admins are managers."""
        manager = self.env.ref("aiom_coo.group_aiom_manager")
        approver = self.env.ref("aiom_coo.group_aiom_approver")
        user = self.env.ref("aiom_coo.group_aiom_user")
        self.assertIn(approver, manager.implied_ids)
        self.assertIn(user, approver.implied_ids)
        self.assertIn(manager, self.env.ref("base.group_system").implied_ids)
        self.assertTrue(self.approver.has_group("aiom_coo.group_aiom_user"))
        self.assertFalse(self.user.has_group("aiom_coo.group_aiom_approver"))

    def test_operator_user_least_privilege(self):
        """The operator is an approver, never a settings administrator, and runs the brain loop."""
        operator = self.env.ref("aiom_coo.user_aiom_operator")
        self.assertTrue(operator.has_group("aiom_coo.group_aiom_approver"))
        self.assertFalse(operator.has_group("aiom_coo.group_aiom_manager"))
        self.assertFalse(operator.has_group("base.group_system"))
        self.assertFalse(operator.has_group("base.group_erp_manager"))
        # Whatever apps this database has: none of their administrator groups, implied ones included.
        self.assertFalse(operator.groups_id.filtered(lambda group: "Administrator" in group.name).mapped("full_name"))
        cron = self.env.ref("aiom_coo.ir_cron_brain_loop")
        self.assertEqual(cron.user_id, operator)
        self.assertEqual(cron.name, "AI COO: operator brain loop")

    def test_app_menu_visible_to_users_only(self):
        """The AI COO app menu shows for AI COO users and not for other employees."""
        root = self.env.ref("aiom_coo.menu_aiom_root")
        employee = self.env["res.users"].create({"name": "Plain Employee", "login": "plain_employee"})
        visible_for_user = self.env["ir.ui.menu"].with_user(self.user)._visible_menu_ids()
        visible_for_employee = self.env["ir.ui.menu"].with_user(employee)._visible_menu_ids()
        self.assertIn(root.id, visible_for_user)
        self.assertNotIn(root.id, visible_for_employee)
        self.assertTrue(root.web_icon)

    def test_apps_installed_later_do_not_make_the_operator_an_administrator(self):
        """An app adds its administrator group to the default user template (as Sales, Invoicing and
        Project do): Odoo gives it to every employee, but not to the operator."""
        operator = self.env.ref("aiom_coo.user_aiom_operator")
        employee = self.env["res.users"].create({"name": "Later Employee", "login": "later_employee"})
        category = self.env["ir.module.category"].create({"name": "Test App"})
        manager = self.env["res.groups"].create({"name": "Administrator", "category_id": category.id})
        self.env.ref("base.default_user").groups_id = [Command.link(manager.id)]
        self.assertIn(manager, employee.groups_id, "Odoo hands the template's new groups down")
        self.assertNotIn(manager, operator.groups_id)
        self.assertTrue(operator.has_group("aiom_coo.group_aiom_approver"))
