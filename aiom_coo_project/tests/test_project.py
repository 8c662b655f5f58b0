from odoo.tests import tagged

from odoo.addons.aiom_coo.tests.common import AiomCase


@tagged("post_install", "-at_install")
class TestProject(AiomCase):
    def approve(self, action, user=None):
        action.with_user(user or self.approver).action_approve()
        return action

    def test_operator_is_project_user_not_administrator(self):
        """The bridge gave the operator Project / User, and no Project administration."""
        operator = self.env.ref("aiom_coo.user_aiom_operator")
        self.assertTrue(operator.has_group("project.group_project_user"))
        self.assertFalse(operator.has_group("project.group_project_manager"))

    def test_seed_scenario_task_for_customer(self):
        """Create a task in project X for customer Y: approved, the task exists, both chatters tell."""
        self.approver.groups_id = [(4, self.env.ref("project.group_project_user").id)]
        project = self.env["project.project"].create({"name": "Onboarding"})
        action = self.propose(
            name="Create an onboarding task for Azure Test Customer",
            target={"model": "res.partner", "id": self.customer.id},
            action_type="odoo_create",
            parameters={
                "model": "project.task",
                "values": {
                    "name": "Onboard {{ target.name }}",
                    "project_id": project.id,
                    "partner_id": "{{ target.id }}",
                },
            },
        )
        self.approve(action)
        self.assertEqual(action.state, "executed", action.error_message)
        task = self.env["project.task"].browse(action.result["odoo_create"]["record_id"])
        self.assertEqual(
            (task.name, task.project_id, task.partner_id), ("Onboard Azure Test Customer", project, self.customer)
        )
        messages = self.chatter(action)
        self.assertTrue(messages.filtered(lambda m: f"/odoo/project.task/{task.id}" in (m.body or "")))
        tracked = messages.tracking_value_ids.filtered(lambda t: t.field_id.name == "state")
        self.assertIn("Executed", tracked.mapped("new_value_char"))
        self.assertTrue(
            self.customer.message_ids.filtered(lambda m: f"/odoo/aiom.action/{action.id}" in (m.body or ""))
        )
        self.assertEqual(action.attempt_count, 1)

    def test_demo_example_creates_contact_and_task_together(self):
        """The demo integration's workflow, approved: the contact exists and the task is theirs."""
        example = self.env.ref("aiom_coo_project.demo_example_kickoff_deco")
        self.assertEqual((example.state, example.agent), ("pending", "Example integration agent"))
        self.approver.groups_id = [(4, self.env.ref("project.group_project_user").id)]
        self.approve(example)
        self.assertEqual(example.state, "executed", example.error_message)
        contact = self.env["res.partner"].browse(example.result["create_contact"]["record_id"])
        task = self.env["project.task"].browse(example.result["kickoff_task"]["record_id"])
        self.assertEqual((contact.name, contact.parent_id), ("Tom Rivers", self.env.ref("base.res_partner_2")))
        self.assertEqual((task.partner_id, task.project_id), (contact, self.env.ref("project.project_project_1")))
