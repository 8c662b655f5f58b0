from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.aiom_coo.tests.common import BrainLoopCase

NOW = datetime(2026, 11, 2, 9, 0)


@tagged("post_install", "-at_install")
class TestDealJudgment(BrainLoopCase):
    """The follow-ups a sales manager would send, on customers and deals the loop has never seen."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.analyzer = cls.env.ref("aiom_coo_crm.analyzer_stalled_deals")
        cls.first_level, cls.second_level = cls.analyzer.level_ids.sorted("days")
        cls.stage = cls.env["crm.stage"].search([("is_won", "=", False)], order="sequence", limit=1)
        cls.analyzer.stage_ids.filtered(lambda line: line.stage_id == cls.stage).unlink()

    def deal(self, name, silent_days, email=True):
        """A fresh customer's deal, untouched for ``silent_days`` (back-dated with SQL)."""
        slug = name.lower().replace(" ", "-")
        customer = self.env["res.partner"].create(
            {"name": f"{name} Customer", **({"email": f"{slug}@example.com"} if email else {})}
        )
        lead = self.env["crm.lead"].create(
            {
                "name": name,
                "type": "opportunity",
                "partner_id": customer.id,
                "stage_id": self.stage.id,
                "expected_revenue": 8000,
                "user_id": self.approver.id,
            }
        )
        self.back_date(lead, NOW - timedelta(days=silent_days))
        return lead

    def back_date(self, lead, when):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_lead SET date_last_stage_update = %s, create_date = %s WHERE id = %s", [when, when, lead.id]
        )
        self.env.cr.execute(
            "UPDATE mail_message SET date = %s WHERE model = 'crm.lead' AND res_id = %s", [when, lead.id]
        )
        self.env.invalidate_all()

    def back_date_message(self, message, when):
        self.env.flush_all()
        self.env.cr.execute("UPDATE mail_message SET date = %s WHERE id = %s", [when, message.id])
        self.env.invalidate_all()

    def follow_ups(self, lead):
        return self.proposals_for(self.analyzer).filtered(lambda action: action.target_res_id == lead.id).sorted("id")

    def test_completed_call_is_contact(self):
        """A call logged as done two days ago ("they decide on Monday") is contact: not stalled."""
        called = self.deal("Called Deal", 20)
        silent = self.deal("Silent Deal", 20)
        activity = called.activity_schedule("mail.mail_activity_data_call", summary="Call about the offer")
        activity.action_feedback(feedback="They decide on Monday")
        done = called.message_ids.filtered(lambda message: message.mail_activity_type_id)
        self.assertTrue(done)
        self.back_date_message(done, NOW - timedelta(days=2))
        with freeze_time(NOW):
            self.run_loop()
        self.assertFalse(self.follow_ups(called), "a logged call two days ago")
        self.assertEqual(len(self.follow_ups(silent)), 1)

    def test_reply_withdraws_the_chaser_in_the_loop_and_at_execution(self):
        """The customer writes back after the proposal: the loop withdraws the pending chaser, and
        an approval sends nothing; nothing new is proposed while the reply is recent."""
        seen_by_loop = self.deal("Reply Seen By The Loop", 20)
        approved_late = self.deal("Reply Before Approval", 20)
        with freeze_time(NOW):
            self.run_loop()
        pending, stale = self.follow_ups(seen_by_loop), self.follow_ups(approved_late)
        self.assertEqual((len(pending), len(stale)), (1, 1))
        for lead in (seen_by_loop, approved_late):
            with freeze_time(NOW + timedelta(hours=2)):
                lead.message_post(
                    body="Sorry for the silence, we are still interested",
                    author_id=lead.partner_id.id,
                    message_type="email",
                    subtype_xmlid="mail.mt_comment",
                )
        with freeze_time(NOW + timedelta(hours=3)):
            stale.with_user(self.approver).action_approve()
        self.assertEqual(stale.state, "failed")
        self.assertIn("Withdrawn, nothing was done", stale.error_message)
        self.assertIn("contact with the customer", stale.error_message)
        self.assertFalse(approved_late.activity_ids, "nothing was done")
        with freeze_time(NOW + timedelta(hours=4)):
            self.run_loop()
        self.assertEqual(pending.state, "cancelled")
        self.assertTrue(any("Withdrawn by the brain loop" in (m.body or "") for m in pending.message_ids))
        self.assertEqual(self.follow_ups(seen_by_loop), pending, "the reply is recent: nothing new")
        self.assertEqual(self.follow_ups(approved_late), stale)

    def test_first_chaser_is_the_first_level_then_the_days_after_it_was_sent(self):
        """Silent 30 days, never chased: the first follow-up. The second comes 7 days after the
        first was sent, not before; a turned-down follow-up is not followed by the next one."""
        quiet = self.deal("Quiet Thirty Days", 30)
        declined = self.deal("Declined Chaser", 30)
        with freeze_time(NOW):
            self.run_loop()
        first = self.follow_ups(quiet)
        self.assertEqual(first.name, f"Follow up on {quiet.name} ({self.first_level.name})")
        self.assertNotIn("I have not heard back", first.step_ids[1].parameters["body"])
        self.follow_ups(declined).with_user(self.approver).action_reject("I will call them myself")
        self.mark_sent(first, NOW + timedelta(days=1))
        with freeze_time(NOW + timedelta(days=7)):
            self.run_loop()
        self.assertEqual(self.follow_ups(quiet), first, "six days after the first was sent: too early")
        with freeze_time(NOW + timedelta(days=8, hours=1)):
            self.run_loop()
        second = self.follow_ups(quiet) - first
        self.assertEqual(second.name, f"Follow up on {quiet.name} ({self.second_level.name})")
        self.assertIn("I have not heard back", second.step_ids[1].parameters["body"])
        self.assertEqual(len(self.follow_ups(declined)), 1, "a person's rejection stands")

    def test_risk_an_email_to_a_customer_is_never_low(self):
        """The README's rule: a chaser emailing the customer is medium; an activity alone is low."""
        emailed = self.deal("Deal With Email", 20)
        no_email = self.deal("Deal Without Email", 20, email=False)
        with freeze_time(NOW):
            self.run_loop()
        self.assertEqual(self.follow_ups(emailed).risk_level, "medium")
        self.assertEqual(self.follow_ups(no_email).step_ids.mapped("action_type"), ["activity_schedule"])
        self.assertEqual(self.follow_ups(no_email).risk_level, "low")
