import json

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestAddedStepType(HttpCase):
    """A step type added by another addon gets validation, guardrails, summary, icon and API."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(cls.env, "archive_user", groups="aiom_coo.group_aiom_user", name="Arch User")
        cls.approver = new_test_user(
            cls.env,
            "archive_approver",
            groups="aiom_coo.group_aiom_approver,base.group_partner_manager",
            name="Arch Approver",
        )
        cls.partner = cls.env["res.partner"].create({"name": "Old Customer"})
        cls.Action = cls.env["aiom.action"]

    def propose(self, **parameters):
        return self.Action.with_user(self.user).propose(
            {
                "name": "Archive an old customer",
                "action_type": "record_archive",
                "parameters": {"model": "res.partner", "ids": [self.partner.id], **parameters},
                "target": {"model": "res.partner", "id": self.partner.id},
            }
        )

    def test_selection_icon_and_execution(self):
        """The type is in the selections, shows its icon, runs, and is summarised in the chatter."""
        self.assertIn("record_archive", dict(self.Action._fields["action_type"]._description_selection(self.env)))
        action = self.propose()
        self.assertEqual(
            (action.state, action.type_icon, action.step_ids.type_icon), ("pending", "fa-archive", "fa-archive")
        )
        action.with_user(self.approver).action_approve()
        self.assertEqual(action.state, "executed", action.error_message)
        self.assertFalse(self.partner.active)
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.assertIn("Archived 1 res.partner record(s)", action.message_ids[0].body)

    def test_validation_and_guardrails(self):
        """Unknown keys and security models are refused; a deny rule on updates blocks it."""
        with self.assertRaisesRegex(ValidationError, "unknown key"):
            self.propose(everything=True)
        with self.assertRaisesRegex(ValidationError, "do not exist or"):
            self.propose(ids=[999999999])
        users = self.Action.with_user(self.user).propose(
            {
                "name": "Archive the admin",
                "action_type": "record_archive",
                "parameters": {"model": "res.users", "ids": [self.approver.id]},
            }
        )
        self.assertEqual(users.state, "blocked")
        self.assertIn("built-in: security and configuration models", users.error_message)
        policy = self.env.ref("aiom_coo.guardrail_policy_main")
        policy.rule_ids = [Command.create({"model_name": "res.partner", "effect": "deny", "allow_create": False})]
        denied = self.propose()
        self.assertEqual(denied.state, "blocked")
        self.assertIn("update on res.partner is denied", denied.error_message)
        self.assertIn("record_archive", [o["value"] for o in policy.auto_step_type_options])

    def test_api(self):
        """The JSON-RPC API proposes it and documents its parameters, with no change to the API."""
        self.authenticate("archive_user", "archive_user")
        schema = self.make_jsonrpc_request("/aiom/api/v1/schema", {})
        self.assertIn("record_archive", [step["action_type"] for step in schema["step_types"]])
        reply = self.make_jsonrpc_request(
            "/aiom/api/v1/actions/propose",
            {
                "name": "Archive via API",
                "action_type": "record_archive",
                "parameters": {"model": "res.partner", "ids": [self.partner.id]},
            },
        )
        self.assertEqual(reply["state"], "pending", json.dumps(reply))
