import os
from unittest.mock import patch

from odoo.tests import tagged

from .common import AiomCase


@tagged("post_install", "-at_install")
class TestExecution(AiomCase):
    def approve(self, action, user=None):
        action.with_user(user or self.approver).action_approve()
        return action

    def test_create_executes_for_real(self):
        """Approve & Execute creates the record, stores its id and audits who did it."""
        action = self.approve(
            self.propose_create_partner(name="Jane Brooks", target={"model": "res.partner", "id": self.customer.id})
        )
        partner = self.env["res.partner"].search([("name", "=", "Jane Brooks")])
        self.assertEqual(len(partner), 1)
        self.assertEqual(action.state, "executed")
        self.assertEqual(action.result, {"odoo_create": {"model": "res.partner", "record_id": partner.id}})
        self.assertEqual(action.approved_by_id, self.approver)
        self.assertTrue(action.approved_date and action.executed_date)
        self.assertEqual(action.attempt_count, 1)
        self.assertEqual(partner.create_uid, self.approver, "the step runs with the approver's rights")
        self.assertEqual(action.step_ids.state, "done")
        summary = self.chatter(action).filtered(lambda m: "Executed by" in (m.body or ""))
        self.assertIn(f"/odoo/res.partner/{partner.id}", summary.body)
        self.assertIn("Alex Approver", summary.body)
        target_note = self.customer.message_ids.filtered(lambda m: f"/odoo/aiom.action/{action.id}" in (m.body or ""))
        self.assertEqual(len(target_note), 1)

    def test_update_by_ids_and_domain(self):
        """odoo_update writes the listed records or the domain's, and counts them."""
        other = self.env["res.partner"].create({"name": "Azure Test Branch"})
        by_ids = self.approve(
            self.propose(
                action_type="odoo_update",
                parameters={"model": "res.partner", "ids": [self.customer.id], "values": {"ref": "VIP-1"}},
            )
        )
        self.assertEqual(by_ids.result["odoo_update"], {"model": "res.partner", "ids": [self.customer.id], "count": 1})
        by_domain = self.approve(
            self.propose(
                action_type="odoo_update",
                parameters={
                    "model": "res.partner",
                    "domain": [["name", "=like", "Azure Test %"]],
                    "values": {"function": "Buyer"},
                },
            )
        )
        self.assertEqual(by_domain.result["odoo_update"]["count"], 2)
        self.assertEqual((self.customer | other).mapped("function"), ["Buyer", "Buyer"])
        self.assertEqual(self.customer.ref, "VIP-1")

    def test_search_returns_records(self):
        """odoo_search returns the matching records' fields."""
        action = self.approve(
            self.propose(
                action_type="odoo_search",
                parameters={
                    "model": "res.partner",
                    "domain": [["id", "=", self.customer.id]],
                    "fields": ["name", "email"],
                },
            )
        )
        self.assertEqual(action.result["odoo_search"], {"model": "res.partner", "count": 1})
        result = action.step_ids.result
        self.assertEqual(result["count"], 1)
        self.assertEqual(result["records"][0]["email"], "azure@example.com")
        everything = self.approve(
            self.propose(action_type="odoo_search", parameters={"model": "res.partner", "limit": 2})
        )
        self.assertEqual(everything.result["odoo_search"]["count"], 2, "no domain means every record, up to the limit")

    def test_message_post_and_activity(self):
        """message_post posts an escaped note; activity_schedule plans an activity for a user."""
        body = "<script>alert(1)</script> New warehouse"
        posted = self.approve(
            self.propose(
                action_type="message_post",
                parameters={"model": "res.partner", "res_id": self.customer.id, "body": body, "subtype": "note"},
            )
        )
        message = self.env["mail.message"].browse(posted.result["message_post"]["message_id"])
        self.assertEqual(message.res_id, self.customer.id)
        self.assertNotIn("<script>", message.body)
        self.assertIn("New warehouse", message.body)
        scheduled = self.approve(
            self.propose(
                action_type="activity_schedule",
                parameters={
                    "model": "res.partner",
                    "res_id": self.customer.id,
                    "summary": "Call back",
                    "days": 3,
                    "user_id": self.approver.id,
                },
            )
        )
        activity = self.env["mail.activity"].browse(scheduled.result["activity_schedule"]["activity_id"])
        self.assertEqual(
            (activity.res_id, activity.summary, activity.user_id), (self.customer.id, "Call back", self.approver)
        )

    def test_email_without_key_fails_and_sends_nothing(self):
        """An email step through SMTP2GO with no key fails with a clear message."""
        self.env["ir.config_parameter"].set_param("aiom_coo.email_transport", "smtp2go")
        self.env["ir.config_parameter"].set_param("aiom_coo.smtp2go_api_key", False)
        with patch.dict(os.environ, {"SMTP2GO_API_KEY": ""}):
            action = self.approve(
                self.propose(
                    action_type="email_send", parameters={"to": ["a@example.com"], "subject": "Hi", "body": "Hello"}
                )
            )
        self.assertEqual(action.state, "failed")
        self.assertIn("SMTP2GO API key is not configured", action.error_message)

    def test_workflow_references_and_target(self):
        """Later steps use earlier results and the target's fields through references."""
        action = self.approve(
            self.propose(
                target={"model": "res.partner", "id": self.customer.id},
                steps=[
                    {
                        "name": "contact",
                        "action_type": "odoo_create",
                        "parameters": {
                            "model": "res.partner",
                            "values": {"name": "Contact of {{ target.name }}", "parent_id": "{{ target.id }}"},
                        },
                    },
                    {
                        "name": "note",
                        "action_type": "message_post",
                        "parameters": {
                            "model": "res.partner",
                            "res_id": "{{ steps.contact.record_id }}",
                            "body": "Welcome, we write to {{ target.email }}",
                        },
                    },
                ],
            )
        )
        self.assertEqual(action.state, "executed", action.error_message)
        contact = self.env["res.partner"].browse(action.result["contact"]["record_id"])
        self.assertEqual(contact.name, "Contact of Azure Test Customer")
        self.assertEqual(contact.parent_id, self.customer)
        message = self.env["mail.message"].browse(action.result["note"]["message_id"])
        self.assertEqual(message.res_id, contact.id)
        self.assertIn("azure@example.com", message.body)

    def test_failed_workflow_leaves_nothing_behind(self):
        """Step 3 failing rolls back steps 1 and 2; the failing step is named."""
        doomed = self.env["res.partner"].create({"name": "Deleted before approval"})
        proposal = self.propose(
            steps=[
                {
                    "name": "create",
                    "action_type": "odoo_create",
                    "parameters": {"model": "res.partner", "values": {"name": "Rollback Co"}},
                },
                {
                    "name": "rename",
                    "action_type": "odoo_update",
                    "parameters": {
                        "model": "res.partner",
                        "ids": ["{{ steps.create.record_id }}"],
                        "values": {"function": "CEO"},
                    },
                },
                {
                    "name": "broken",
                    "action_type": "odoo_update",
                    "parameters": {"model": "res.partner", "ids": [doomed.id], "values": {"function": "x"}},
                },
            ],
        )
        doomed_id = doomed.id
        doomed.unlink()
        action = self.approve(proposal)
        self.assertEqual(action.state, "failed")
        self.assertIn("'broken'", action.error_message)
        self.assertIn(str(doomed_id), action.error_message)
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Rollback Co")]))
        self.assertEqual(action.step_ids.mapped("state"), ["pending", "pending", "failed"])
        self.assertFalse(action.result)
        failure = self.chatter(action).filtered(lambda m: "nothing was changed" in (m.body or ""))
        self.assertEqual(len(failure), 1)

    def test_unresolved_reference_is_named(self):
        """A reference that does not resolve fails the step with a message naming it."""
        customer_without_email = self.env["res.partner"].create({"name": "No Mail Ltd"})
        action = self.approve(
            self.propose(
                target={"model": "res.partner", "id": customer_without_email.id},
                action_type="message_post",
                parameters={"model": "res.partner", "res_id": "{{ target.id }}", "body": "Mail {{ target.email }}"},
            )
        )
        self.assertEqual(action.state, "failed")
        self.assertIn("{{ target.email }}", action.error_message)

    def test_execution_uses_the_approver_rights(self):
        """An approver cannot make the AI write what they themselves may not write."""
        country = self.env.ref("base.be")
        action = self.approve(
            self.propose(
                action_type="odoo_update",
                parameters={"model": "res.country", "ids": [country.id], "values": {"name": "Hacked"}},
            )
        )
        self.assertEqual(action.state, "failed")
        self.assertIn("not allowed", action.error_message)
        self.assertEqual(country.name, "Belgium")
