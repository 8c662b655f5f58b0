"""Query-count guard of the brain loop: a batch of proposals is filed with a fixed number of
queries, whatever its size (the benchmark's figure as a test, so that a regression fails the test
command rather than waiting for the next benchmark run)."""

from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.aiom_coo.tests.common import BrainLoopCase, count_queries

START = datetime(2026, 10, 1, 9, 0)
# A round of the loop: the candidates, their history and last contacts, the idempotency keys, the
# guardrails' reads, then the actions, their steps and their follow-ups inserted together (77 on
# 2026-12-03, for 1 proposal as for 50).
QUERIES_PER_ROUND = 90
# What each proposal may add to its batch: none today; the benchmark's target is 4.
QUERIES_PER_PROPOSAL = 0.1


@tagged("post_install", "-at_install")
class TestBrainLoopQueries(BrainLoopCase):
    def deals(self, count, label):
        leads = self.env["crm.lead"].create(
            [
                {
                    "name": f"{label} {index}",
                    "type": "opportunity",
                    "partner_id": self.customer.id,
                    "expected_revenue": 5000,
                    "user_id": self.approver.id,
                }
                for index in range(count)
            ]
        )
        leads.date_last_stage_update = START
        return leads

    def measured_run(self, deals):
        """Queries of one round of the loop that files ``deals``' follow-ups, and what it filed."""
        outcome = {}
        count = count_queries(self.env, lambda: outcome.update(self.run_loop()), cold=True)
        self.assertEqual(sorted(outcome["proposed"].mapped("target_res_id")), deals.ids)
        self.assertEqual(set(outcome["proposed"].mapped("state")), {"pending"})
        return count

    def test_a_batch_costs_the_same_whatever_its_size(self):
        """One stalled deal or fifty: the round files them with the same queries."""
        with freeze_time(START + timedelta(days=20)):
            self.run_loop()  # the demo database's own findings
            self.measured_run(self.deals(10, "Warm-up"))  # caches, as a running server has them
            one = self.measured_run(self.deals(1, "One"))
            fifty = self.measured_run(self.deals(50, "Fifty"))
        self.assertLessEqual(fifty, QUERIES_PER_ROUND, f"{fifty} queries for a round of 50 proposals")
        self.assertLessEqual((fifty - one) / 49, QUERIES_PER_PROPOSAL, f"{one} queries for 1 proposal, {fifty} for 50")

    def test_a_round_checks_one_batch_of_open_proposals(self):
        """Withdrawal checks take the open follow-ups checked longest ago, one batch a round: the
        round's cost does not grow with the proposals waiting, and each is reached in turn."""
        with freeze_time(START + timedelta(days=20)):
            self.run_loop()  # the demo database's own findings
            deals = self.deals(25, "Waiting")
            self.run_loop()
        Followup = self.env["aiom.followup"].with_user(self.operator)
        open_followups = Followup.search([("state", "=", "live"), ("action_id.state", "in", ("pending", "failed"))])
        last = open_followups.sorted("id")[-1]
        self.assertEqual(last.target_res_id, deals[-1].id)
        deals[-1].action_set_won()
        rounds = 0
        with freeze_time(START + timedelta(days=21)):
            while last.action_id.state == "pending":
                rounds += 1
                self.assertLessEqual(rounds, len(open_followups) // 10 + 1, "every open follow-up is reached")
                stopped = Followup._stop_resolved(10)
                self.assertLessEqual(len(stopped), 1)
        self.assertEqual(last.action_id.state, "cancelled")
        self.assertGreater(rounds, 1, "a round checks one batch, not every open follow-up")
