from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from odoo.addons.aiom_coo.tests.common import BrainLoopCase

from .common import post_invoice


@tagged("post_install", "-at_install")
class TestDunningJudgment(BrainLoopCase):
    """The follow-ups an accountant would send, on customers and invoices the loop has never seen."""

    TODAY = datetime(2026, 11, 25, 9, 0)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.analyzer = cls.env.ref("aiom_coo_account.analyzer_overdue_invoices")
        cls.level_1, cls.level_2, cls.level_3 = cls.analyzer.level_ids.sorted("days")

    def fresh_customer(self, name, email=True, **vals):
        slug = name.lower().replace(" ", "-")
        return self.env["res.partner"].create(
            {"name": name, "is_company": True, **({"email": f"{slug}@example.com"} if email else {}), **vals}
        )

    def invoice(self, partner, days_overdue, amount=1000.0, **vals):
        invoice = post_invoice(self.env, partner, (self.TODAY - timedelta(days=days_overdue)).date(), amount)
        if vals:
            invoice.write(vals)
        return invoice

    def reminders_of(self, partners):
        """The reminders filed for ``partners``' invoices, oldest first."""
        invoices = self.env["account.move"].search([("commercial_partner_id", "in", partners.ids)])
        followups = self.env["aiom.followup"].search(
            [("analyzer_id", "=", self.analyzer.id), ("target_res_id", "in", invoices.ids)]
        )
        return followups.action_id.sorted("id")

    def live_followups(self, invoice):
        return self.env["aiom.followup"].search(
            [("analyzer_id", "=", self.analyzer.id), ("target_res_id", "=", invoice.id), ("state", "=", "live")]
        )

    def email_of(self, action):
        return action.step_ids.filtered(lambda step: step.action_type == "email_send").parameters

    def pay(self, invoice, amount=None):
        register = self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        )
        register.create({"amount": amount} if amount else {})._create_payments()

    # 1 -----------------------------------------------------------------------------------------

    def test_batches_count_customers_and_one_run_files_everything(self):
        """Five customers with three invoices each and a batch of two: every customer gets one
        reminder with its three invoices, all within one scheduled run."""
        customers = self.env["res.partner"]
        for number in range(5):
            customer = self.fresh_customer(f"Batch Customer {number}")
            for days in (10, 11, 12):
                self.invoice(customer, days, 100.0 + number)
            customers |= customer
        with freeze_time(self.TODAY):
            calls = self.scheduled_run(batch_size=2)
        self.assertGreater(calls, 1, "a batch of two customers cannot hold five")
        reminders = self.reminders_of(customers)
        self.assertEqual(len(reminders), 5)
        for customer in customers:
            mine = reminders.filtered(lambda action, c=customer: action.target_ref == c)
            self.assertEqual(len(mine), 1, f"{customer.name}: one reminder, never split over batches")
            self.assertIn("3 invoices", mine.rationale)
        with freeze_time(self.TODAY + timedelta(hours=1)):
            self.assertEqual(self.scheduled_run(batch_size=2), 1)
        self.assertEqual(self.reminders_of(customers), reminders, "nothing left for a later run")

    def test_volume_one_reminder_per_customer_in_one_run(self):
        """90 customers with 3 invoices each at one level, a batch of 200: one reminder per
        customer and level, every invoice covered once, in one scheduled run (one call)."""
        customers = self.env["res.partner"].create(
            [{"name": f"Volume Customer {n:02d}", "email": f"volume{n}@example.com"} for n in range(90)]
        )
        due = (self.TODAY - timedelta(days=10)).date()
        invoices = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "invoice_date": due - timedelta(days=30),
                    "invoice_date_due": due,
                    "invoice_line_ids": [Command.create({"name": "Service", "quantity": 1, "price_unit": 100.0 + i})],
                }
                for customer in customers
                for i in range(3)
            ]
        )
        invoices.action_post()
        invoices.invoice_date_due = due
        with freeze_time(self.TODAY):
            self.assertEqual(self.scheduled_run(batch_size=200), 1, "one call of one run")
        reminders = self.reminders_of(customers)
        self.assertEqual(len(reminders), 90)
        self.assertEqual(set(reminders.mapped("target_res_id")), set(customers.ids))
        self.assertEqual(set(reminders.mapped("name")), {f"First reminder to {c.name}" for c in customers})
        followups = self.env["aiom.followup"].search([("action_id", "in", reminders.ids)])
        self.assertEqual(sorted(followups.mapped("target_res_id")), sorted(invoices.ids), "every invoice once")

    # 2 -----------------------------------------------------------------------------------------

    def test_currencies_are_never_added_up(self):
        """EUR 1,000 and USD 500: one reminder per currency, each stating its own amount."""
        company_currency = self.env.company.currency_id
        foreign = self.env.ref("base.EUR" if company_currency.name != "EUR" else "base.USD")
        foreign.active = True
        customer = self.fresh_customer("Two Currencies GmbH")
        in_foreign = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "currency_id": foreign.id,
                "invoice_date": (self.TODAY - timedelta(days=40)).date(),
                "invoice_line_ids": [Command.create({"name": "Consulting", "quantity": 1, "price_unit": 1000.0})],
            }
        )
        in_foreign.action_post()
        in_foreign.invoice_date_due = (self.TODAY - timedelta(days=10)).date()
        in_company = self.invoice(customer, 12, 500.0)
        with freeze_time(self.TODAY):
            self.run_loop()
        reminders = self.reminders_of(customer)
        self.assertEqual(len(reminders), 2, reminders.mapped("rationale"))
        by_currency = {action.expected_value: action for action in reminders}
        self.assertEqual(set(by_currency), {1000.0, 500.0}, "never 1,500 of one currency")
        for amount, invoice in ((1000.0, in_foreign), (500.0, in_company)):
            action = by_currency[amount]
            body = self.email_of(action)["body"]
            self.assertIn(invoice.name, body)
            self.assertIn(invoice.currency_id.symbol, body)
            self.assertNotIn("1,500", body + action.rationale)

    # 3 -----------------------------------------------------------------------------------------

    def test_amount_changed_before_approval_is_withdrawn_and_proposed_again(self):
        """Proposed for 1,000, 900 paid: approving sends nothing; the loop proposes 100 instead.
        Paid before the loop looks again: the loop withdraws the pending one and proposes 100."""
        approved_late = self.fresh_customer("Pays Before Approval")
        seen_by_loop = self.fresh_customer("Pays Before The Loop")
        first = self.invoice(approved_late, 10)
        second = self.invoice(seen_by_loop, 10)
        with freeze_time(self.TODAY):
            self.run_loop()
        stale = self.reminders_of(approved_late)
        pending = self.reminders_of(seen_by_loop)
        self.assertIn("1,000.00", self.email_of(stale)["body"])
        self.pay(first, 900.0)
        self.pay(second, 900.0)
        self.assertEqual(first.amount_residual, 100.0)
        with freeze_time(self.TODAY + timedelta(minutes=5)):
            stale.with_user(self.approver).action_approve()
        self.assertEqual(stale.state, "failed")
        self.assertIn("Withdrawn, nothing was done", stale.error_message)
        self.assertIn(first.name, stale.error_message)
        self.assertFalse(stale.step_ids.filtered(lambda step: step.state == "done"), "nothing was sent")
        with freeze_time(self.TODAY + timedelta(minutes=15)):
            self.run_loop()
        self.assertEqual(pending.state, "cancelled")
        self.assertTrue(any("Withdrawn by the brain loop" in (m.body or "") for m in pending.message_ids))
        for customer, old in ((approved_late, stale), (seen_by_loop, pending)):
            fresh = self.reminders_of(customer) - old
            self.assertEqual(len(fresh), 1, customer.name)
            self.assertEqual(fresh.state, "pending")
            self.assertIn("100.00", self.email_of(fresh)["body"])
            self.assertNotIn("1,000.00", self.email_of(fresh)["body"])
            self.assertEqual(fresh.expected_value, 100.0)

    # 4 and 6 -----------------------------------------------------------------------------------

    def test_one_live_reminder_per_invoice_and_levels_follow_what_was_sent(self):
        """An undecided first reminder is not joined by a second as the invoice ages; a never
        reminded invoice 50 days overdue gets the first reminder, not the final notice; the next
        levels come after the previous one was sent."""
        waiting = self.fresh_customer("Undecided Reminder Ltd")
        late = self.fresh_customer("Never Reminded Ltd")
        aging = self.invoice(waiting, 8)
        old = self.invoice(late, 50)
        with freeze_time(self.TODAY):
            self.run_loop()
        first_of_old = self.reminders_of(late)
        self.assertEqual(first_of_old.name, f"First reminder to {late.name}")
        self.assertNotIn("Despite our reminders", self.email_of(first_of_old)["body"])
        self.assertIn("50 days", self.email_of(first_of_old)["body"])
        # Two weeks later the undecided first reminder still waits: no second beside it.
        with freeze_time(self.TODAY + timedelta(days=15)):
            self.run_loop()
        self.assertEqual(len(self.live_followups(aging)), 1)
        self.assertEqual(self.live_followups(aging).level_id, self.level_1)
        self.assertEqual(len(self.reminders_of(waiting)), 1)
        # The old invoice's first reminder was sent on day 1: the second comes 14 days after it.
        self.mark_sent(first_of_old, self.TODAY + timedelta(days=1))
        with freeze_time(self.TODAY + timedelta(days=14)):
            self.run_loop()
        self.assertEqual(len(self.reminders_of(late)), 1, "13 days after the first: too early")
        with freeze_time(self.TODAY + timedelta(days=15, hours=1)):
            self.run_loop()
        second = self.reminders_of(late) - first_of_old
        self.assertEqual(second.name, f"Second reminder to {late.name}")
        # The final notice waits for the second to be sent, and 24 days more.
        with freeze_time(self.TODAY + timedelta(days=60)):
            self.run_loop()
        self.assertEqual(self.reminders_of(late), first_of_old | second, "the second was never sent")
        self.assertEqual(len(self.live_followups(old).filtered(lambda f: f.action_state == "pending")), 1)
        self.mark_sent(second, self.TODAY + timedelta(days=16))
        with freeze_time(self.TODAY + timedelta(days=41)):
            self.run_loop()
        final = self.reminders_of(late) - first_of_old - second
        self.assertEqual(final.name, f"Final notice to {late.name}")
        self.assertIn("Despite our reminders", self.email_of(final)["body"], "now two were sent")
        self.assertEqual(final.risk_level, "high")

    def test_new_invoice_joins_the_waiting_reminder(self):
        """A customer's first reminder waits; another invoice becomes due: one new reminder names
        both and replaces the waiting one, never two reminders beside each other."""
        customer = self.fresh_customer("Growing Debt Ltd")
        older = self.invoice(customer, 9)
        with freeze_time(self.TODAY):
            self.run_loop()
        waiting = self.reminders_of(customer)
        newer = self.invoice(customer, 4)
        with freeze_time(self.TODAY + timedelta(days=4)):
            self.run_loop()
        self.assertEqual(waiting.state, "cancelled")
        self.assertTrue(any("Replaced by a newer follow-up" in (m.body or "") for m in waiting.message_ids))
        replacing = self.reminders_of(customer) - waiting
        self.assertEqual(len(replacing), 1)
        self.assertEqual(replacing.state, "pending")
        self.assertIn("2 invoices", replacing.rationale)
        for invoice in older | newer:
            self.assertIn(invoice.name, self.email_of(replacing)["subject"])
            self.assertEqual(self.live_followups(invoice).action_id, replacing, "one live reminder per invoice")
        with freeze_time(self.TODAY + timedelta(days=4, hours=1)):
            self.run_loop()
        self.assertEqual(self.reminders_of(customer), waiting | replacing, "settled: nothing more")

    def test_rejected_level_ends_the_sequence(self):
        """A reminder a person turned down is not followed by the next level."""
        customer = self.fresh_customer("Promised To Pay Ltd")
        self.invoice(customer, 8)
        with freeze_time(self.TODAY):
            self.run_loop()
        self.reminders_of(customer).with_user(self.approver).action_reject("They promised to pay")
        with freeze_time(self.TODAY + timedelta(days=30)):
            self.run_loop()
        self.assertEqual(len(self.reminders_of(customer)), 1)

    # 5 -----------------------------------------------------------------------------------------

    def test_invoice_address_gets_the_reminder(self):
        """A company without an email: the reminder goes to its invoice address, and to the contact
        an invoice was sent to; grouped by the company, the rationale says who gets it."""
        company = self.fresh_customer("No Email Holdings", email=False)
        payable = self.env["res.partner"].create(
            {"name": "Accounts Payable", "type": "invoice", "parent_id": company.id, "email": "ap@holdings.example"}
        )
        buyer = self.env["res.partner"].create(
            {"name": "Jane Buyer", "parent_id": company.id, "email": "jane@holdings.example"}
        )
        to_company = self.invoice(company, 10)
        to_buyer = self.invoice(buyer, 11)
        with freeze_time(self.TODAY):
            self.run_loop()
        reminder = self.reminders_of(company)
        self.assertEqual(len(reminder), 1, "one reminder for the commercial partner")
        self.assertEqual((reminder.target_model, reminder.target_res_id), ("res.partner", company.id))
        self.assertEqual(sorted(self.email_of(reminder)["to"]), sorted([payable.email, buyer.email]))
        self.assertIn(to_company.name, self.email_of(reminder)["subject"])
        self.assertIn(to_buyer.name, self.email_of(reminder)["subject"])
        self.assertIn("Sent to Jane Buyer, Accounts Payable (the invoice address).", reminder.rationale)
        self.assertEqual(reminder.risk_level, "medium")

    # 10 ----------------------------------------------------------------------------------------

    def test_risk_an_email_to_a_customer_is_never_low(self):
        """The README's rule: an email to a customer is medium (a final notice high), whatever its
        level; an activity for the accountant alone is low."""
        emailed = self.fresh_customer("Gets An Email Ltd")
        silent = self.fresh_customer("Gets An Activity Ltd", email=False)
        self.invoice(emailed, 8)
        self.invoice(silent, 8)
        with freeze_time(self.TODAY):
            self.run_loop()
        first = self.reminders_of(emailed)
        self.assertEqual(first.name, f"First reminder to {emailed.name}")
        self.assertEqual(first.risk_level, "medium", "a first reminder by email is not low risk")
        activity = self.reminders_of(silent)
        self.assertEqual(activity.step_ids.mapped("action_type"), ["activity_schedule"])
        self.assertEqual(activity.risk_level, "low")
        kind = self.env["aiom.analyzer.overdue_invoices"]
        self.assertEqual(
            [kind._risk(True), kind._risk(True, final=True), kind._risk(False), kind._risk(False, final=True)],
            ["medium", "high", "low", "low"],
        )
