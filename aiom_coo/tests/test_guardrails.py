from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import AiomCase

WEDNESDAY_MORNING = "2026-11-25 10:00:00"
SATURDAY_MORNING = "2026-11-28 10:00:00"
WEDNESDAY_NIGHT = "2026-11-25 21:00:00"


@tagged("post_install", "-at_install")
class TestGuardrails(AiomCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls.env.ref("aiom_coo.guardrail_policy_main")
        cls.other_manager = new_test_user(
            cls.env,
            "aiom_manager_2",
            groups="aiom_coo.group_aiom_manager,base.group_partner_manager",
            name="Morgan Manager",
        )

    def assert_blocked(self, action, rule):
        self.assertEqual(action.state, "blocked")
        self.assertIn(f"Guardrail '{rule}", action.error_message)
        self.assertTrue(self.chatter(action).filtered(lambda m: "Blocked at proposal" in (m.body or "")))

    def approve(self, action, user=None):
        action.with_user(user or self.approver).action_approve()
        return action

    def test_privilege_escalation_is_blocked(self):
        """Security models and rights-granting fields are out of reach, whatever the policy."""
        attempts = {
            "groups on a user": {
                "action_type": "odoo_update",
                "parameters": {
                    "model": "res.users",
                    "ids": [self.user.id],
                    "values": {"groups_id": [[4, self.env.ref("base.group_system").id]]},
                },
            },
            "create an access rule": {
                "action_type": "odoo_create",
                "parameters": {"model": "ir.rule", "values": {"name": "open", "domain_force": "[]"}},
            },
            "change a system parameter": {
                "action_type": "odoo_update",
                "parameters": {"model": "ir.config_parameter", "domain": [], "values": {"value": "x"}},
            },
            "create a group": {
                "action_type": "odoo_create",
                "parameters": {"model": "res.groups", "values": {"name": "g"}},
            },
            "loosen the guardrails": {
                "action_type": "odoo_update",
                "parameters": {
                    "model": "aiom.guardrail.policy",
                    "ids": [self.policy.id],
                    "values": {"max_update_records": 10**6},
                },
            },
        }
        for label, vals in attempts.items():
            with self.subTest(label):
                self.assert_blocked(self.propose(**vals), "built-in: security and configuration models")
        linked_user = self.propose(
            action_type="odoo_create",
            parameters={"model": "res.partner", "values": {"name": "x", "user_ids": [[4, self.user.id]]}},
        )
        self.assert_blocked(linked_user, "built-in: rights-granting fields")

    def test_allowed_fields_at_proposal_and_execution(self):
        """Allow-list mode: only listed models and fields; a narrower policy stops a pending action."""
        self.policy.write(
            {
                "mode": "allow_list",
                "rule_ids": [(0, 0, {"model_name": "res.partner", "effect": "allow", "field_names": "name, email"})],
            }
        )
        outside = self.propose(
            action_type="odoo_update",
            parameters={"model": "res.partner", "ids": [self.customer.id], "values": {"comment": "x"}},
        )
        self.assert_blocked(outside, "Allow res.partner")
        self.assertIn("comment", outside.error_message)
        not_listed = self.propose(
            action_type="odoo_create", parameters={"model": "res.partner.category", "values": {"name": "VIP"}}
        )
        self.assert_blocked(not_listed, "allow list")
        allowed = self.propose(
            action_type="odoo_update",
            parameters={"model": "res.partner", "ids": [self.customer.id], "values": {"email": "new@example.com"}},
        )
        self.assertEqual(allowed.state, "pending")
        self.policy.rule_ids.field_names = "name"
        self.approve(allowed)
        self.assertEqual(allowed.state, "failed")
        self.assertIn("Guardrail 'Allow res.partner'", allowed.error_message)
        self.assertEqual(self.customer.email, "azure@example.com")
        self.assertTrue(self.chatter(allowed).filtered(lambda m: "Guardrail" in (m.body or "")))

    def test_deny_rule_added_after_proposal(self):
        """A deny rule stops proposals, and pending actions when they are approved."""
        pending = self.propose_create_partner(name="Before the rule")
        self.policy.rule_ids = [(0, 0, {"model_name": "res.partner", "effect": "deny", "allow_update": False})]
        self.assert_blocked(self.propose_create_partner(name="After the rule"), "Deny res.partner")
        self.approve(pending)
        self.assertEqual(pending.state, "failed")
        self.assertIn("create on res.partner is denied", pending.error_message)
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Before the rule")]))

    def test_update_size(self):
        """An update may not touch more records than the policy allows."""
        many = self.env["res.partner"].create([{"name": f"Many {index}"} for index in range(101)])
        hundred_and_one = self.propose(
            action_type="odoo_update",
            parameters={"model": "res.partner", "ids": many.ids, "values": {"ref": "x"}},
        )
        self.assert_blocked(hundred_and_one, "update size")
        self.env["res.partner"].create([{"name": f"Bulk {index}"} for index in range(5)])
        domain_update = {
            "action_type": "odoo_update",
            "parameters": {"model": "res.partner", "domain": [["name", "=like", "Bulk %"]], "values": {"ref": "bulk"}},
        }
        self.policy.max_update_records = 4
        self.assert_blocked(self.propose(**domain_update), "update size")
        self.policy.max_update_records = 10
        pending = self.propose(**domain_update)
        self.assertEqual(pending.state, "pending")
        self.policy.max_update_records = 3
        self.approve(pending)
        self.assertEqual(pending.state, "failed")
        self.assertIn("touches 5 records, at most 3", pending.error_message)

    def test_email_limits(self):
        """Recipient count, allowed domains and daily volume bound what the AI may mail."""
        many = self.propose(
            action_type="email_send",
            parameters={"to": [f"r{index}@example.com" for index in range(500)], "subject": "Hi", "body": "x"},
        )
        self.assert_blocked(many, "email recipients")
        self.policy.email_allowed_domains = "example.com, partner.org"
        foreign = self.propose(
            action_type="email_send", parameters={"to": ["someone@elsewhere.net"], "subject": "Hi", "body": "x"}
        )
        self.assert_blocked(foreign, "email domains")
        pending = self.propose(
            action_type="email_send", parameters={"to": ["a@partner.org"], "subject": "Hi", "body": "x"}
        )
        self.assertEqual(pending.state, "pending")
        self.policy.email_allowed_domains = "example.com"
        self.approve(pending)
        self.assertIn("Guardrail 'email domains'", pending.error_message)
        self.policy.write({"email_allowed_domains": False, "email_daily_limit": 1})
        self.env["aiom.email.receipt"].create(
            {
                "action_id": pending.id,
                "step_id": pending.step_ids.id,
                "email_id": "earlier",
                "company_id": self.env.company.id,
            }
        )
        volume = self.propose(
            action_type="email_send", parameters={"to": ["a@example.com"], "subject": "Hi", "body": "x"}
        )
        self.approve(volume)
        self.assertEqual(volume.state, "failed")
        self.assertIn("Guardrail 'email volume'", volume.error_message)

    def test_value_limits(self):
        """A value above a limit makes the action high risk, or blocks it."""
        self.policy.value_limit_ids = [
            (
                0,
                0,
                {"model_name": "res.partner", "field_name": "partner_latitude", "max_value": 50, "effect": "high_risk"},
            ),
            (
                0,
                0,
                {"model_name": "res.partner", "field_name": "partner_longitude", "max_value": 100, "effect": "block"},
            ),
        ]
        north = self.propose(
            action_type="odoo_create",
            parameters={"model": "res.partner", "values": {"name": "North", "partner_latitude": 80}},
            risk_level="low",
        )
        self.assertEqual((north.state, north.risk_level), ("pending", "high"))
        east = self.propose(
            action_type="odoo_create",
            parameters={"model": "res.partner", "values": {"name": "East", "partner_longitude": 170}},
        )
        self.assert_blocked(east, "res.partner.partner_longitude > 100")

    def test_four_eyes(self):
        """High risk: not by its proposer, and only by the high-risk group."""
        action = self.propose_create_partner(name="Risky Co", user=self.manager, risk_level="high")
        with self.assertRaisesRegex(UserError, "four eyes.*someone else"):
            action.with_user(self.manager).action_approve()
        with self.assertRaisesRegex(UserError, "four eyes.*approved by"):
            action.with_user(self.approver).action_approve()
        self.assertEqual(action.state, "pending")
        action.with_user(self.other_manager).action_approve()
        self.assertEqual(action.state, "executed", action.error_message)

    def test_agent_rate_limit(self):
        """An agent filing proposals too fast gets the next ones blocked."""
        self.policy.agent_hourly_proposal_limit = 2
        for _index in range(2):
            self.assertEqual(self.propose_create_partner(agent="eager-bot").state, "pending")
        self.assert_blocked(self.propose_create_partner(agent="eager-bot"), "agent rate")
        self.assertEqual(self.propose_create_partner(agent="calm-bot").state, "pending")

    def test_kill_switch(self):
        """Autonomy 'off': nothing executes, not even a person's approval."""
        self.env["ir.config_parameter"].set_param("aiom_coo.autonomy_level", "off")
        action = self.propose_create_partner()
        with self.assertRaisesRegex(UserError, "switched off"):
            self.approve(action)
        self.assertEqual(action.state, "pending")


@tagged("post_install", "-at_install")
class TestAutonomy(AiomCase):
    """The brain loop's automatic executions: level, threshold, step types, hours and rate."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls.env.ref("aiom_coo.guardrail_policy_main")
        cls.operator = cls.env.ref("aiom_coo.user_aiom_operator")
        # The operator acts with its own rights: here it notes calls on contacts.
        cls.operator.groups_id = [(4, cls.env.ref("base.group_partner_manager").id)]
        cls.policy.write({"tz": "UTC", "business_hour_from": 8, "business_hour_to": 18, "type_hourly_auto_limit": 2})

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].set_param("aiom_coo.autonomy_level", "auto_low_risk")
        self.env["ir.config_parameter"].set_param("aiom_coo.auto_confidence_threshold", "0.9")

    def note(self, confidence=0.95, risk_level="low", **vals):
        # Proposed by someone who may note on contacts: automatic execution stays within their rights.
        vals.setdefault("user", self.approver)
        return self.propose(
            name="Note the call",
            action_type="message_post",
            parameters={"model": "res.partner", "res_id": self.customer.id, "body": "Called, all good."},
            confidence=confidence,
            risk_level=risk_level,
            **vals,
        )

    def run_loop(self):
        return self.Action.with_user(self.operator)._auto_execute_pending(batch_size=50)

    @freeze_time(WEDNESDAY_MORNING)
    def test_eligible_action_executes_as_operator(self):
        """Low risk, confident, an allowed type, in business hours: executed by the operator."""
        action = self.note()
        self.run_loop()
        self.assertEqual(action.state, "executed", action.error_message)
        self.assertEqual(action.approved_by_id, self.operator)

    @freeze_time(WEDNESDAY_MORNING)
    def test_ineligible_actions_wait_for_a_person(self):
        """Low confidence, medium risk or a type the policy keeps manual stay pending."""
        unsure = self.note(confidence=0.5)
        medium = self.note(risk_level="medium")
        create = self.propose_create_partner(confidence=0.99, risk_level="low")
        self.run_loop()
        self.assertEqual((unsure.state, medium.state, create.state), ("pending", "pending", "pending"))

    @freeze_time(WEDNESDAY_MORNING)
    def test_suggest_level_executes_nothing(self):
        """Autonomy 'suggest': every action waits for a person."""
        self.env["ir.config_parameter"].set_param("aiom_coo.autonomy_level", "suggest")
        action = self.note()
        self.run_loop()
        self.assertEqual(action.state, "pending")

    def test_business_hours(self):
        """Nights and weekends: nothing executes on its own."""
        for moment in (SATURDAY_MORNING, WEDNESDAY_NIGHT):
            with self.subTest(moment), freeze_time(moment):
                action = self.note()
                self.run_loop()
                self.assertEqual(action.state, "pending")

    @freeze_time(WEDNESDAY_MORNING)
    def test_hourly_rate_limit(self):
        """At most the policy's automatic executions per type and hour."""
        actions = [self.note() for _index in range(3)]
        self.run_loop()
        self.assertEqual(sorted(action.state for action in actions), ["executed", "executed", "pending"])
