"""Query-count guards: the benchmarks' figures as tests, so that a regression fails the test command
rather than waiting for the next benchmark run (as Odoo's test_mail/tests/test_performance.py)."""

import json
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import AiomCase, count_queries

# The engine's own queries around a step's ORM work: lock and re-read the action (one query), its
# steps (one), the savepoint (2), the outcome on the action and on its step (one UPDATE each), one
# chatter entry (the message and its tracking values).
ENGINE_QUERIES = 8
# With nothing cached (a request of its own): the same, plus the action read before the lock for
# the access and four-eyes checks (1), the guardrail policy, its rules and value limits (3), and
# what the step's create reads in a fresh environment beyond a plain create's (3).
ENGINE_COLD_QUERIES = ENGINE_QUERIES + 7
# The approve route beyond the engine's cold approval: none. Its one read of the action (it exists,
# the caller may read it) is the read the engine's checks make before the lock; the API key's
# verdict is kept per worker and the reply reads what the approval left in the cache.
API_APPROVE_QUERIES = 0
PROPOSE_QUERIES = 10
# The inbox: one count per state, then per column one read and one existence check per target model
# among its cards (a column of 40 cards about contacts, leads and invoices: 3).
INBOX_QUERIES = 1 + 7 * (1 + 3)


@tagged("post_install", "-at_install")
class TestQueryCounts(AiomCase):
    def queries(self, run):
        return count_queries(self.env, run)

    def proposal(self, name):
        return self.propose_create_partner(user=self.approver, name=name)

    def test_approve_costs_the_step_and_a_fixed_overhead(self):
        """Approving a one-step action costs the step's own ORM work plus at most 9 queries."""
        Partner = self.env["res.partner"].with_user(self.approver)
        self.proposal("Warm-up").with_user(self.approver).action_approve()
        Partner.create({"name": "Warm-up too"})
        plain = self.queries(lambda: Partner.create({"name": "Plain create"}))
        action = self.proposal("Through the engine")
        engine = self.queries(lambda: action.with_user(self.approver).action_approve())
        self.assertEqual(action.state, "executed", action.error_message)
        self.assertLessEqual(engine - plain, ENGINE_QUERIES, f"engine {engine} vs plain create {plain}")

    def test_approve_with_nothing_cached(self):
        """As a request approves: nothing in the cache, so every read the engine makes counts."""
        Partner = self.env["res.partner"].with_user(self.approver)
        # The same, once, so that only what is kept per transaction is missing (not Odoo's caches).
        action = self.proposal("Warm-up")
        self.env.invalidate_all()
        action.with_user(self.approver).action_approve()
        self.env.invalidate_all()
        Partner.create({"name": "Warm-up too"})
        self.env.invalidate_all()
        plain = self.queries(lambda: Partner.create({"name": "Plain create"}))
        action = self.proposal("Through the engine")
        self.env.invalidate_all()
        engine = self.queries(lambda: action.with_user(self.approver).action_approve())
        self.assertEqual(action.state, "executed", action.error_message)
        self.assertLessEqual(engine - plain, ENGINE_COLD_QUERIES, f"engine {engine} vs plain create {plain}")

    def test_propose(self):
        """Proposing a one-step action: rate check, the action, its step, follower, chatter."""
        self.proposal("Warm-up")
        count = self.queries(lambda: self.proposal("Measured"))
        self.assertLessEqual(count, PROPOSE_QUERIES)

    def test_inbox_load(self):
        """The kanban's load (a count per state, then each column's cards) takes a fixed number of
        queries, however many actions there are."""
        Action = self.Action.with_user(self.approver)
        fields_spec = {
            name: {}
            for name in (
                "name",
                "rationale",
                "state",
                "risk_level",
                "confidence",
                "priority",
                "action_type",
                "type_icon",
                "agent",
                "target_ref",
                "target_model",
                "target_res_id",
                "company_id",
                "create_date",
                "error_message",
                "execution_problem",
            )
        }

        def load():
            groups = Action.web_read_group([], ["state"], ["state"], lazy=True)
            for group in groups["groups"]:
                Action.web_search_read(group["__domain"], fields_spec, limit=40, count_limit=10001)

        for index in range(30):
            self.proposal(f"Card {index}")
        load()
        self.env.invalidate_all()
        few = self.queries(load)
        for index in range(60):
            self.proposal(f"More {index}")
        self.env.invalidate_all()
        more = self.queries(load)
        self.assertLessEqual(more, INBOX_QUERIES)
        self.assertEqual(more, few, "the number of queries does not grow with the number of actions")


@tagged("post_install", "-at_install")
class TestApiQueryCounts(HttpCase):
    """The approve route costs what the engine's approval costs with nothing cached, no more."""

    def test_approve_route(self):
        approver = new_test_user(
            self.env, "perf_approver", groups="aiom_coo.group_aiom_approver,base.group_partner_manager"
        )
        key = (
            self.env["res.users.apikeys"]
            .with_user(approver)
            ._generate(None, "perf", fields.Datetime.now() + timedelta(days=1))
        )
        Action = self.env["aiom.action"].with_user(approver)
        actions = [
            Action.propose(
                {
                    "name": f"Create {name}",
                    "action_type": "odoo_create",
                    "parameters": {"model": "res.partner", "values": {"name": name}},
                }
            )
            for name in ("Warm-up", "In process", "Through the API")
        ]
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

        def approve_route(action):
            body = {"jsonrpc": "2.0", "method": "call", "params": {"id": action.id}}
            reply = self.url_open("/aiom/api/v1/actions/approve", data=json.dumps(body), headers=headers).json()
            self.assertTrue(reply["result"]["success"], reply)

        approve_route(actions[0])
        engine = count_queries(self.env, lambda: actions[1].with_user(approver).action_approve(), cold=True)
        route = count_queries(self.env, lambda: approve_route(actions[2]), cold=True)
        self.assertEqual(actions[2].state, "executed")
        self.assertLessEqual(route - engine, API_APPROVE_QUERIES, f"route {route} vs the engine alone {engine}")
