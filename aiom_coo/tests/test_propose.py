from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import AiomCase


@tagged("post_install", "-at_install")
class TestPropose(AiomCase):
    def test_single_step_proposal(self):
        """A single-step proposal is pending with one step and records who proposed it."""
        action = self.propose_create_partner(rationale="Missing contact", confidence=0.8, risk_level="low")
        self.assertEqual(action.state, "pending")
        self.assertEqual(action.proposed_by_id, self.user)
        self.assertEqual(action.action_type, "odoo_create")
        self.assertEqual(action.step_ids.mapped("name"), ["odoo_create"])
        self.assertEqual(action.step_ids.parameters, {"model": "res.partner", "values": {"name": "Created by AI"}})

    def test_workflow_proposal(self):
        """A list of steps becomes a workflow with its steps in order."""
        action = self.propose(
            steps=[
                {
                    "name": "create",
                    "action_type": "odoo_create",
                    "parameters": {"model": "res.partner", "values": {"name": "W"}},
                },
                {
                    "name": "note",
                    "action_type": "message_post",
                    "parameters": {"model": "res.partner", "res_id": "{{ steps.create.record_id }}", "body": "Hi"},
                },
            ],
        )
        self.assertEqual(action.action_type, "workflow")
        self.assertEqual(action.step_ids.mapped("name"), ["create", "note"])

    def test_target_as_object(self):
        """The API's target object fills target model, id and the display reference."""
        action = self.propose_create_partner(target={"model": "res.partner", "id": self.customer.id})
        self.assertEqual((action.target_model, action.target_res_id), ("res.partner", self.customer.id))
        self.assertEqual(action.target_ref, self.customer)

    def test_malformed_proposals_store_nothing(self):
        """Unknown types, models, fields, bad shapes and forward references raise and store nothing."""
        count = self.Action.search_count([])
        bad_proposals = {
            "unknown type": {"action_type": "shell_exec", "parameters": {}},
            "unknown model": {"action_type": "odoo_create", "parameters": {"model": "no.such", "values": {"a": 1}}},
            "unknown field": {
                "action_type": "odoo_create",
                "parameters": {"model": "res.partner", "values": {"nope": 1}},
            },
            "computed field": {
                "action_type": "odoo_create",
                "parameters": {"model": "res.partner", "values": {"display_name": "x"}},
            },
            "parameters not an object": {"action_type": "odoo_create", "parameters": ["model"]},
            "bad domain": {
                "action_type": "odoo_update",
                "parameters": {"model": "res.partner", "domain": [("name", "=")], "values": {"name": "x"}},
            },
            "search limit too high": {
                "action_type": "odoo_search",
                "parameters": {"model": "res.partner", "domain": [], "limit": 100000},
            },
            "bad order": {
                "action_type": "odoo_search",
                "parameters": {"model": "res.partner", "order": "name; DROP TABLE res_partner"},
            },
            "forward reference": {
                "steps": [
                    {
                        "name": "note",
                        "action_type": "message_post",
                        "parameters": {"model": "res.partner", "res_id": "{{ steps.later.record_id }}", "body": "x"},
                    },
                    {
                        "name": "later",
                        "action_type": "odoo_create",
                        "parameters": {"model": "res.partner", "values": {"name": "L"}},
                    },
                ]
            },
            "duplicate step names": {
                "steps": [
                    {
                        "name": "a",
                        "action_type": "odoo_create",
                        "parameters": {"model": "res.partner", "values": {"name": "1"}},
                    },
                    {
                        "name": "a",
                        "action_type": "odoo_create",
                        "parameters": {"model": "res.partner", "values": {"name": "2"}},
                    },
                ]
            },
            "confidence out of range": {
                "action_type": "odoo_create",
                "parameters": {"model": "res.partner", "values": {"name": "x"}},
                "confidence": 7,
            },
            "unknown proposal key": {
                "action_type": "odoo_search",
                "parameters": {"model": "res.partner"},
                "state": "executed",
            },
            "missing target record": {
                "action_type": "odoo_search",
                "parameters": {"model": "res.partner"},
                "target": {"model": "res.partner", "id": 999999999},
            },
        }
        for label, vals in bad_proposals.items():
            with self.subTest(label), self.assertRaises(ValidationError):
                self.propose(**vals)
        self.assertEqual(self.Action.search_count([]), count)

    def test_security_models_are_blocked(self):
        """A proposal on a security model is stored as blocked with the reason."""
        action = self.propose(
            action_type="odoo_update",
            parameters={"model": "res.users", "ids": [self.user.id], "values": {"name": "x"}},
        )
        self.assertEqual(action.state, "blocked")
        self.assertIn("res.users", action.error_message)
        self.assertIn("not open to AI COO actions", action.error_message)

    def test_idempotency_key(self):
        """Proposing twice with the same key returns the first action and creates nothing."""
        first = self.propose_create_partner(idempotency_key="lead-42-followup")
        count = self.Action.search_count([])
        second = self.propose_create_partner(name="Other", idempotency_key="lead-42-followup")
        self.assertEqual(first, second)
        self.assertEqual(self.Action.search_count([]), count)
        other_key = self.propose_create_partner(idempotency_key="lead-43-followup")
        self.assertNotEqual(other_key, first)

    def test_protected_fields_cannot_be_forged(self):
        """Nobody writes an action's outcome directly, not even a manager."""
        action = self.propose_create_partner()
        with self.assertRaises(AccessError):
            action.with_user(self.manager).write({"state": "executed"})
        with self.assertRaises(AccessError):
            self.Action.with_user(self.manager).create(
                {"name": "Forged", "action_type": "odoo_search", "state": "executed", "result": {"x": 1}}
            )
        self.assertEqual(action.state, "pending")

    def test_user_cannot_write_actions(self):
        """A plain AI COO user can propose but not edit an action."""
        action = self.propose_create_partner()
        with self.assertRaises(AccessError):
            action.with_user(self.user).write({"name": "Renamed"})
