"""Attacks by a hostile proposer: each test tries several shapes of one hole and asserts that
nothing was created, granted, leaked or executed beyond the plan, and that the refusal names its rule.

The proposer is untrusted (here mostly ``self.user``, who holds only the AI COO User group); the
approver is honest and approves what the card shows.
"""

import base64
from datetime import timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import AiomCase

FLOOR = "built-in: security and configuration models"
RIGHTS = "built-in: rights-granting fields"
READABLE = "built-in: readable data"
WEDNESDAY_MORNING = "2026-11-25 10:00:00"


class SecurityCase(AiomCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls.env.ref("aiom_coo.guardrail_policy_main")
        cls.settings_group = cls.env.ref("base.group_system")
        cls.operator = cls.env.ref("aiom_coo.user_aiom_operator")

    def refused(self, rule, **vals):
        """Propose ``vals``; assert it was refused naming ``rule`` (blocked, or not stored at all)."""
        count = self.Action.search_count([])
        try:
            action = self.propose(**vals)
        except (ValidationError, AccessError) as error:
            self.assertIn(rule, str(error.args[0]))
            self.assertEqual(self.Action.search_count([]), count, f"a refused proposal stores nothing: {error}")
            return None
        self.assertEqual(action.state, "blocked", f"expected a refusal naming {rule!r}")
        self.assertIn(rule, action.error_message)
        return action

    def admins(self):
        return self.env["res.users"].search_count([("groups_id", "in", self.settings_group.id)])

    def create_partner_values(self, **values):
        return {"action_type": "odoo_create", "parameters": {"model": "res.partner", "values": values}}


@tagged("post_install", "-at_install")
class TestNestedValues(SecurityCase):
    """1. x2many values, at any depth and with any command, pass the same floor as top-level ones."""

    def test_nested_user_creation_is_refused(self):
        """A contact whose child contact creates a Settings user: refused at every depth."""
        admins = self.admins()
        user_vals = {
            "name": "Mallory",
            "login": "mallory",
            "password": "mallory-password-1",
            "groups_id": [[4, self.settings_group.id]],
        }
        shapes = {
            "child creates a user": self.create_partner_values(
                name="Acme Corp", child_ids=[[0, 0, {"name": "Acme IT", "user_ids": [[0, 0, user_vals]]}]]
            ),
            "grandchild creates a user": self.create_partner_values(
                name="Acme Corp",
                child_ids=[
                    [0, 0, {"name": "Acme", "child_ids": [[0, 0, {"name": "IT", "user_ids": [[0, 0, user_vals]]}]]}]
                ],
            ),
            "child updated to link an existing user": self.create_partner_values(
                name="Acme Corp", child_ids=[[1, self.customer.id, {"user_ids": [[4, self.user.id]]}]]
            ),
            "set users on a child": self.create_partner_values(
                name="Acme Corp", child_ids=[[0, 0, {"name": "IT", "user_ids": [[6, 0, [self.user.id]]]}]]
            ),
        }
        for label, vals in shapes.items():
            with self.subTest(label):
                self.refused(RIGHTS, **vals)
        self.assertEqual(self.admins(), admins)
        self.assertFalse(self.env["res.users"].search([("login", "=", "mallory")]))
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Acme Corp")]))

    def user_lists(self):
        """Business models with a writable list of users (task assignees, team members, ...)."""
        from ..floor import model_is_denied

        found = []
        for name in sorted(self.env.registry):
            model = self.env[name]
            if model_is_denied(model):
                continue
            for field in model._fields.values():
                if field.type in ("one2many", "many2many") and field.comodel_name == "res.users" and field.store:
                    found.append((name, field.name))
        return found

    def test_other_models_and_commands(self):
        """User lists of every business model, followers, messages and templates: all out of reach."""
        shapes = {}
        for model, field_name in self.user_lists():
            shapes[(RIGHTS, f"{model}.{field_name} created")] = {
                "action_type": "odoo_create",
                "parameters": {"model": model, "values": {field_name: [[0, 0, {"name": "Eve", "login": "eve"}]]}},
            }
            shapes[(RIGHTS, f"{model}.{field_name} set")] = {
                "action_type": "odoo_create",
                "parameters": {"model": model, "values": {field_name: [[6, 0, [self.user.id]]]}},
            }
        self.assertGreaterEqual(len(shapes), 2, "at least res.partner.user_ids")
        shapes.update(
            {
                (FLOOR, "followers through a one2many"): self.create_partner_values(
                    name="Follow me",
                    message_follower_ids=[[0, 0, {"partner_id": self.customer.id, "res_model": "res.partner"}]],
                ),
                (FLOOR, "a message created directly"): {
                    "action_type": "odoo_create",
                    "parameters": {"model": "mail.message", "values": {"body": "x", "model": "res.partner"}},
                },
                (FLOOR, "a mail queued directly"): {
                    "action_type": "odoo_create",
                    "parameters": {"model": "mail.mail", "values": {"email_to": "x@evil.example", "body_html": "x"}},
                },
                (FLOOR, "an email template edited"): {
                    "action_type": "odoo_update",
                    "parameters": {"model": "mail.template", "domain": [], "values": {"email_to": "x@evil.example"}},
                },
            }
        )
        # (Blocked proposals are logged on the action, which subscribes their proposer there.)
        partner_followers = [("res_model", "=", "res.partner")]
        followers = self.env["mail.followers"].search_count(partner_followers)
        for (rule, label), vals in shapes.items():
            with self.subTest(label):
                self.refused(rule, **vals)
        self.assertFalse(self.env["res.users"].search([("login", "=", "eve")]))
        self.assertEqual(self.env["mail.followers"].search_count(partner_followers), followers)

    def test_unsupported_commands_and_depth(self):
        """Delete and clear commands, unknown fields and nesting past the limit are refused."""
        child = self.env["res.partner"].create({"name": "Child", "parent_id": self.customer.id})
        shapes = {
            "delete command": [[2, child.id]],
            "clear command": [[5]],
            "unknown command": [[9, 0, {}]],
            "too deep": [
                [
                    0,
                    0,
                    {
                        "name": "1",
                        "child_ids": [
                            [
                                0,
                                0,
                                {
                                    "name": "2",
                                    "child_ids": [[0, 0, {"name": "3", "child_ids": [[0, 0, {"name": "4"}]]}]],
                                },
                            ]
                        ],
                    },
                ]
            ],
            "unknown nested field": [[0, 0, {"name": "x", "no_such_field": 1}]],
        }
        for label, commands in shapes.items():
            with self.subTest(label), self.assertRaises(ValidationError):
                self.propose(
                    action_type="odoo_update",
                    parameters={"model": "res.partner", "ids": [self.customer.id], "values": {"child_ids": commands}},
                )
        self.assertTrue(child.exists())

    def test_nested_values_meet_the_policy(self):
        """Model rules and value limits apply to nested records, and numbers sent as text are numbers."""
        self.policy.value_limit_ids = [
            Command.create(
                {"model_name": "res.partner", "field_name": "partner_latitude", "max_value": 50, "effect": "block"}
            ),
        ]
        as_text = self.create_partner_values(name="North", partner_latitude="99999999")
        self.refused("res.partner.partner_latitude > 50", **as_text)
        nested = self.create_partner_values(
            name="Parent", child_ids=[[0, 0, {"name": "North", "partner_latitude": 80}]]
        )
        self.refused("res.partner.partner_latitude > 50", **nested)
        self.policy.rule_ids = [Command.create({"model_name": "res.partner.category", "effect": "deny"})]
        tagged_partner = self.create_partner_values(name="Tagged", category_id=[[0, 0, {"name": "VIP"}]])
        self.refused("Deny res.partner.category", **tagged_partner)
        self.assertFalse(self.env["res.partner"].search([("name", "in", ("North", "Parent", "Tagged"))]))


@tagged("post_install", "-at_install")
class TestReferencesAndTargets(SecurityCase):
    """2. References and targets read only what the floor allows and the proposer may read."""

    def note(self, body, target=None, **vals):
        target = target or self.customer
        return self.propose(
            action_type="message_post",
            parameters={"model": target._name, "res_id": target.id, "body": body},
            target={"model": target._name, "id": target.id},
            **vals,
        )

    def test_security_models_as_targets(self):
        """A system parameter or a user is never a target, and the refusal does not say whether it exists."""
        param = self.env["ir.config_parameter"].search([], limit=1)
        for model, record_id in (("ir.config_parameter", param.id), ("res.users", self.approver.id)):
            with self.subTest(model), self.assertRaisesRegex(ValidationError, "not open to AI COO"):
                self.propose(
                    action_type="odoo_search",
                    parameters={"model": "res.partner"},
                    target={"model": model, "id": record_id},
                )

    def test_target_the_proposer_cannot_read(self):
        """A record hidden from the proposer gets the same answer as a missing one: no oracle."""
        other_company = self.env["res.company"].create({"name": "Hidden Co"})
        hidden = self.env["res.partner"].create({"name": "Hidden partner", "company_id": other_company.id})
        answers = []
        for record_id in (hidden.id, 999999999):
            with self.assertRaises(ValidationError) as caught:
                self.propose(
                    action_type="odoo_search",
                    parameters={"model": "res.partner"},
                    target={"model": "res.partner", "id": record_id},
                )
            answers.append(caught.exception.args[0].replace(str(record_id), "N"))
        self.assertEqual(answers[0], answers[1])

    def test_hops_into_denied_models_and_restricted_fields(self):
        """User accounts, TOTP secrets, fields of groups the proposer lacks, non-stored computes: refused."""
        for path in (
            "target.user_ids.login",
            "target.create_uid.totp_secret",
            "target.credit_limit",
            "target.credit",
            "target.message_ids.body",
        ):
            with self.subTest(path):
                self.refused(READABLE, **self.note_vals(f"Leak: {{{{ {path} }}}}"))

    def note_vals(self, body):
        return {
            "action_type": "message_post",
            "parameters": {"model": "res.partner", "res_id": self.customer.id, "body": body},
            "target": {"model": "res.partner", "id": self.customer.id},
        }

    def test_hop_to_a_record_the_proposer_cannot_read(self):
        """At execution, a hop reaches a record hidden from the proposer: the step fails, nothing leaks."""
        other_company = self.env["res.company"].create({"name": "Secret Co"})
        secret = self.env["res.partner"].create(
            {"name": "Secret contact", "email": "secret@secret.example", "company_id": other_company.id}
        )
        self.approver.company_ids = [Command.link(other_company.id)]
        action = self.propose(
            action_type="message_post",
            parameters={
                "model": "res.partner",
                "res_id": self.customer.id,
                "body": "Mail: {{ target.parent_id.email }}",
            },
            target={"model": "res.partner", "id": self.customer.id},
        )
        self.assertEqual(action.state, "pending")
        self.customer.parent_id = secret  # after the proposal: the approver may read it, the proposer may not
        action.with_user(self.approver).with_context(allowed_company_ids=self.approver.company_ids.ids).action_approve()
        self.assertEqual(action.state, "failed")
        self.assertIn("may not read", action.error_message)
        self.assertFalse(self.customer.message_ids.filtered(lambda m: "secret@secret.example" in (m.body or "")))

    def test_domains_and_search_fields_stay_readable(self):
        """Searches cannot filter on, or read, what the proposer could not: no counting oracle either."""
        shapes = {
            "domain through users": {"domain": [["user_ids.login", "=", "admin"]]},
            "domain on a restricted field": {"domain": [["credit_limit", ">", 0]]},
            "domain through messages": {"domain": [["message_ids.body", "ilike", "password"]]},
            "restricted field read": {"fields": ["name", "credit_limit"]},
            "order by a restricted field": {"order": "credit_limit desc"},
        }
        for label, parameters in shapes.items():
            with self.subTest(label):
                self.refused(READABLE, action_type="odoo_search", parameters={"model": "res.partner", **parameters})


@tagged("post_install", "-at_install")
class TestPlanIntegrity(SecurityCase):
    """3. The plan is immutable once proposed: what the approver approves is what runs."""

    def test_steps_cannot_be_injected_or_edited(self):
        """Create, write or delete a step, whoever tries: refused; the plan stays as proposed."""
        action = self.propose_create_partner(name="Visible plan")
        injected = {
            "action_id": action.id,
            "name": "extra",
            "action_type": "odoo_update",
            "parameters": {"model": "res.partner", "ids": [self.customer.id], "values": {"email": "x@evil.example"}},
        }
        Step = self.env["aiom.action.step"]
        for user in (self.user, self.approver, self.manager):
            with self.subTest(user.name):
                with self.assertRaises(AccessError):
                    Step.with_user(user).create(injected)
                with self.assertRaises(AccessError):
                    action.step_ids.with_user(user).write({"parameters": injected["parameters"]})
                with self.assertRaises(AccessError):
                    action.step_ids.with_user(user).unlink()
                with self.assertRaises(AccessError):
                    action.with_user(user).write({"step_ids": [Command.create(injected)]})
        action.with_user(self.approver).action_approve()
        self.assertEqual(action.state, "executed")
        self.assertEqual(len(action.step_ids), 1)
        self.assertEqual(self.customer.email, "azure@example.com")

    def test_a_plan_changed_behind_the_engine_does_not_run(self):
        """A plan edited in the database after the proposal (or a forged retry) is refused at execution."""
        action = self.propose_create_partner(name="Original")
        self.env.cr.execute(
            "UPDATE aiom_action_step SET parameters = %s WHERE id = %s",
            ['{"model": "res.partner", "values": {"name": "Swapped"}}', action.step_ids.id],
        )
        action.step_ids.invalidate_recordset()
        action.with_user(self.approver).action_approve()
        self.assertEqual(action.state, "failed")
        self.assertIn("plan changed", action.error_message)
        self.assertFalse(self.env["res.partner"].search([("name", "in", ("Original", "Swapped"))]))

    def test_target_and_origin_are_fixed(self):
        """Target, source, agent and proposer cannot be rewritten after the proposal."""
        action = self.propose_create_partner(name="Fixed")
        for field_name, value in (
            ("target_model", "res.users"),
            ("target_res_id", self.approver.id),
            ("source", "analyzer"),
            ("agent", "Overdue invoices"),
            ("proposed_by_id", self.manager.id),
            ("company_id", self.env.company.id),
        ):
            with self.subTest(field_name), self.assertRaises(AccessError):
                action.with_user(self.manager).write({field_name: value})


@tagged("post_install", "-at_install")
class TestInertData(SecurityCase):
    """4. Record data put into texts never becomes a reference."""

    def test_braces_in_data_stay_text(self):
        """An escaped text is mailed, posted and stored as written, whatever braces it holds."""
        from ..references import fill, inert

        self.env.company.email = "info@yourcompany.example.com"
        self.customer.name = "Quote {{ target.company_id.email }}"
        body = fill("Hello $partner", {"partner": self.customer.name})
        action = (
            self.Action.with_user(self.operator)
            ._engine()
            .propose(
                {
                    "name": "Inert note",
                    "action_type": "message_post",
                    "parameters": inert({"model": "res.partner", "res_id": self.customer.id, "body": body}),
                    "target": {"model": "res.partner", "id": self.customer.id},
                    "source": "analyzer",
                }
            )
        )
        action.with_user(self.approver).action_approve()
        self.assertEqual(action.state, "executed", action.error_message)
        posted = self.env["mail.message"].browse(action.result["message_post"]["message_id"])
        self.assertIn("Hello Quote {{ target.company_id.email }}", posted.body)
        self.assertNotIn("info@yourcompany.example.com", posted.body)


@tagged("post_install", "-at_install")
class TestAutonomyTrust(SecurityCase):
    """5. Automatic executions trust neither the proposer's word nor the operator's own rights."""

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].set_param("aiom_coo.autonomy_level", "auto_low_risk")
        self.env["ir.config_parameter"].set_param("aiom_coo.auto_confidence_threshold", "0.5")
        self.operator.groups_id = [Command.link(self.env.ref("base.group_partner_manager").id)]
        self.policy.write({"tz": "UTC", "auto_step_types": ["message_post", "activity_schedule", "odoo_update"]})

    def run_loop(self):
        return self.Action.with_user(self.operator)._auto_execute_pending(batch_size=50)

    @freeze_time(WEDNESDAY_MORNING)
    def test_operator_rights_are_not_the_proposers(self):
        """A User who may not edit contacts cannot get the operator to edit one for them."""
        note = self.propose(
            action_type="message_post",
            parameters={"model": "res.partner", "res_id": self.customer.id, "body": "Noted."},
            risk_level="low",
            confidence=0.99,
        )
        update = self.propose(
            action_type="odoo_update",
            parameters={"model": "res.partner", "ids": [self.customer.id], "values": {"email": "evil@evil.example"}},
            risk_level="low",
            confidence=0.99,
        )
        self.run_loop()
        for action in (note, update):
            self.assertEqual(action.state, "failed")
            self.assertIn("proposer rights", action.error_message)
        self.assertEqual(self.customer.email, "azure@example.com")
        self.assertFalse(self.customer.message_ids.filtered(lambda m: m.body and "Noted." in m.body))

    @freeze_time(WEDNESDAY_MORNING)
    def test_comment_to_outside_followers_is_an_email(self):
        """A comment emailed to customers is medium risk at proposal and obeys the email guardrails."""
        self.customer.message_subscribe(partner_ids=self.customer.ids)
        comment = self.propose(
            user=self.approver,
            action_type="message_post",
            parameters={"model": "res.partner", "res_id": self.customer.id, "body": "Hi!", "subtype": "comment"},
            risk_level="low",
            confidence=0.99,
        )
        self.assertEqual(comment.risk_level, "medium")
        self.run_loop()
        self.assertEqual(comment.state, "pending")
        self.policy.email_allowed_domains = "partner.org"
        comment.with_user(self.approver).action_approve()
        self.assertEqual(comment.state, "failed")
        self.assertIn("email domains", comment.error_message)
        # Receipts of other tests' emails may exist: the limit leaves room for exactly one more.
        sent = self.env["aiom.email.receipt"].search_count([("company_id", "=", self.env.company.id)])
        self.policy.write({"email_allowed_domains": False, "email_daily_limit": sent + 1})
        comment.with_user(self.approver).action_retry()
        self.assertEqual(comment.state, "executed", comment.error_message)
        receipt = self.env["aiom.email.receipt"].search([("action_id", "=", comment.id)])
        self.assertEqual(receipt.provider, "chatter")
        again = self.propose(
            user=self.approver,
            action_type="message_post",
            parameters={"model": "res.partner", "res_id": self.customer.id, "body": "Hi again", "subtype": "comment"},
        )
        again.with_user(self.approver).action_approve()
        self.assertIn("email volume", again.error_message)

    @freeze_time(WEDNESDAY_MORNING)
    def test_followers_added_after_the_proposal(self):
        """A low-risk comment that later reaches customers no longer runs on its own."""
        comment = self.propose(
            user=self.approver,
            action_type="message_post",
            parameters={"model": "res.partner", "res_id": self.customer.id, "body": "Internal", "subtype": "comment"},
            risk_level="low",
            confidence=0.99,
        )
        self.assertEqual(comment.risk_level, "low")
        self.customer.message_subscribe(partner_ids=self.customer.ids)
        self.run_loop()
        self.assertEqual(comment.state, "failed")
        self.assertIn("higher-risk", comment.error_message)

    def test_emails_are_never_low_risk(self):
        """A proposer calling an email low risk gets it stored as medium: it never runs on its own."""
        email = self.propose(
            action_type="email_send",
            parameters={"to": ["azure@example.com"], "subject": "Hi", "body": "x"},
            risk_level="low",
            confidence=1.0,
        )
        self.assertEqual(email.risk_level, "medium")


@tagged("post_install", "-at_install")
class TestPolicyLookup(SecurityCase):
    """6. The cached policy is the company's, whoever asks first; other companies are refused."""

    def test_other_company_is_refused_and_cache_is_not_poisoned(self):
        """A proposal naming a company outside the user's is refused; the lookup ignores record rules."""
        other_company = self.env["res.company"].create({"name": "Other Co"})
        other_policy = self.env["aiom.guardrail.policy"].create(
            {"name": "Strict", "company_id": other_company.id, "mode": "allow_list"}
        )
        Policy = self.env["aiom.guardrail.policy"]
        Policy.env.registry.clear_cache()
        with self.assertRaisesRegex(AccessError, "cannot propose actions in company"):
            self.propose_create_partner(company_id=other_company.id)
        self.assertEqual(Policy.with_user(self.user)._policy_id_for_company(other_company.id), other_policy.id)
        self.assertEqual(Policy._for_company(other_company), other_policy)


@tagged("post_install", "-at_install")
class TestProposalFields(SecurityCase):
    """7. What the proposer sends is bounded, typed and checked; reserved values stay the engine's."""

    def test_risk_and_confidence_only_become_more_careful(self):
        """Risk can be raised, never lowered; confidence lowered, never raised."""
        action = self.propose_create_partner(user=self.manager, risk_level="high", confidence=0.5)
        with self.assertRaisesRegex(AccessError, "never lowered"):
            action.with_user(self.manager).write({"risk_level": "low"})
        with self.assertRaisesRegex(AccessError, "never raised"):
            action.with_user(self.manager).write({"confidence": 0.99})
        action.with_user(self.manager).write({"confidence": 0.2})
        self.assertEqual((action.risk_level, action.confidence), ("high", 0.2))
        with self.assertRaisesRegex(UserError, "four eyes"):
            action.with_user(self.manager).action_approve()

    def test_reserved_sources_and_keys(self):
        """An agent cannot claim to be an analyzer, nor take an analyzer's idempotency key."""
        with self.assertRaisesRegex(AccessError, "reserved"):
            self.propose_create_partner(source="analyzer")
        with self.assertRaisesRegex(AccessError, "reserved"):
            self.propose_create_partner(idempotency_key="aiom:overdue_invoices:partner:1:level:1")

    def test_idempotency_keys_are_per_proposer(self):
        """Another user's key neither returns nor blocks their action."""
        mine = self.propose_create_partner(user=self.approver, idempotency_key="shared-key")
        theirs = self.propose_create_partner(idempotency_key="shared-key")
        self.assertNotEqual(mine, theirs)
        self.assertEqual(theirs.proposed_by_id, self.user)
        self.assertEqual(self.propose_create_partner(idempotency_key="shared-key"), theirs)

    def test_size_caps_and_unknown_parameters(self):
        """Huge texts, unknown parameter keys and too many steps are refused, and nothing is stored."""
        count = self.Action.search_count([])
        attempts = {
            "20 MB rationale": {**self.create_partner_values(name="x"), "rationale": "x" * 20_000_000},
            "long name": {**self.create_partner_values(name="x"), "name": "x" * 5000},
            "unknown key": {"action_type": "odoo_search", "parameters": {"model": "res.partner", "sudo": True}},
            "too many steps": {
                "steps": [
                    {"name": f"s{index}", "action_type": "odoo_search", "parameters": {"model": "res.partner"}}
                    for index in range(50)
                ]
            },
            "huge email body": {
                "action_type": "email_send",
                "parameters": {"to": ["a@example.com"], "subject": "x", "html": "x" * 2_000_000},
            },
        }
        for label, vals in attempts.items():
            with self.subTest(label), self.assertRaises(ValidationError):
                self.propose(**vals)
        self.assertEqual(self.Action.search_count([]), count)

    def test_rate_limit_per_user_whatever_the_agent(self):
        """Renaming the agent, or naming none, does not escape the per-user rate."""
        self.policy.user_hourly_proposal_limit = 3
        for name in ("bot-1", "bot-2", False):
            self.assertEqual(self.propose_create_partner(agent=name or None).state, "pending")
        self.refused("user rate", **self.create_partner_values(name="x"), agent="bot-3")
        self.refused("user rate", **self.create_partner_values(name="x"))

    def test_search_results_are_for_proposer_and_approvers(self):
        """Another User sees the card but not what the search found."""
        colleague = new_test_user(self.env, "aiom_user_2", groups="aiom_coo.group_aiom_user", name="Cole League")
        action = self.propose(
            action_type="odoo_search",
            parameters={"model": "res.partner", "domain": [["id", "=", self.customer.id]], "fields": ["email"]},
        )
        action.with_user(self.approver).action_approve()
        self.assertEqual(action.state, "executed")
        self.env.invalidate_all()  # each request reads with a fresh cache, as its own user
        self.assertNotIn("records", action.with_user(colleague).result["odoo_search"])
        self.assertFalse(action.with_user(colleague).step_ids)
        for reader in (self.user, self.approver):
            self.env.invalidate_all()
            records = action.with_user(reader).step_ids.result["records"]
            self.assertEqual(records[0]["email"], "azure@example.com")

    def test_email_attachments_senders_and_headers(self):
        """Attachments the proposer cannot read, unknown senders and arbitrary headers are refused."""
        # Attached to a system parameter: only administrators may read it.
        param = self.env["ir.config_parameter"].search([], limit=1)
        private = self.env["ir.attachment"].create(
            {"name": "salaries.csv", "datas": base64.b64encode(b"secret"), "res_model": param._name, "res_id": param.id}
        )
        email = {"to": ["azure@example.com"], "subject": "Hi", "body": "x"}
        with self.assertRaisesRegex(ValidationError, "may not read"):
            self.propose(action_type="email_send", parameters={**email, "attachment_ids": [private.id]})
        self.refused("email sender", action_type="email_send", parameters={**email, "sender": "ceo@bank.example"})
        self.refused(
            "email sender", action_type="email_send", parameters={**email, "reply_to": "attacker@evil.example"}
        )
        for headers in ({"Bcc": "spy@evil.example"}, {"X-Forwarded-To": "spy@evil.example"}):
            with self.subTest(headers), self.assertRaisesRegex(ValidationError, "unknown key"):
                self.propose(action_type="email_send", parameters={**email, "headers": headers})

    def test_handler_methods_are_not_public(self):
        """The step types' methods are private: JSON-RPC (which refuses ``_`` names) cannot call them."""
        handler = self.env["aiom.step.handler"]
        self.assertFalse(hasattr(handler, "execute") or hasattr(handler, "validate"))
        self.assertTrue(hasattr(handler, "_execute") and hasattr(handler, "_prepare"))


@tagged("post_install", "-at_install")
class TestApiKeyVerdicts(SecurityCase):
    """The API keeps a valid key's verdict for a minute: revoking it, archiving its user or its
    expiry still refuse it at once, and a wrong key is never remembered."""

    def key(self):
        tomorrow = fields.Datetime.now() + timedelta(days=1)
        return self.env["res.users.apikeys"].with_user(self.approver)._generate(None, "agent", tomorrow)

    def test_revoked_archived_expired_and_wrong_keys(self):
        Keys = self.env["res.users.apikeys"]
        key = self.key()
        self.assertEqual(Keys._aiom_check_key(key), self.approver.id)
        self.assertEqual(Keys._aiom_check_key(key), self.approver.id, "the second call uses the verdict")
        self.assertFalse(Keys._aiom_check_key(key[:-1] + ("x" if key[-1] != "x" else "y")))
        Keys.search([("user_id", "=", self.approver.id)]).unlink()
        self.assertFalse(Keys._aiom_check_key(key), "revoked")
        key = self.key()
        self.assertEqual(Keys._aiom_check_key(key), self.approver.id)
        self.approver.active = False
        self.assertFalse(Keys._aiom_check_key(key), "user archived")
        self.approver.active = True
        with freeze_time(fields.Datetime.now() + timedelta(days=2)):
            self.assertFalse(Keys._aiom_check_key(key), "expired")
