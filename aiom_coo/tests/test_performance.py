"""Query-count guards: the benchmarks' figures as tests, so that a regression fails the test command
rather than waiting for the next benchmark run (as Odoo's test_mail/tests/test_performance.py)."""

from odoo.tests import tagged

from .common import AiomCase

# The engine's own queries around a step's ORM work: lock, re-read the action and its steps, the
# savepoint (2), the outcome on the action and on its step, one chatter entry (message + tracking).
ENGINE_QUERIES = 9
PROPOSE_QUERIES = 10
# The inbox: one count per state, then per column one read and one existence check per target model
# among its cards (a column of 40 cards about contacts, leads and invoices: 3).
INBOX_QUERIES = 1 + 7 * (1 + 3)


@tagged("post_install", "-at_install")
class TestQueryCounts(AiomCase):
    def queries(self, run):
        """Queries ``run`` costs, flushing and running the precommit hooks (tracking messages) as the
        end of a request would."""
        self.env.flush_all()
        self.env.cr.precommit.run()
        before = self.cr.sql_log_count
        run()
        self.env.flush_all()
        self.env.cr.precommit.run()
        return self.cr.sql_log_count - before

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
