from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.aiom_coo.tests.common import AiomCase


class DealCase:
    @classmethod
    def deal_setup(cls, env):
        cls.approver_crm = new_test_user(
            env,
            "aiom_preview_crm_approver",
            groups="aiom_coo.group_aiom_approver,sales_team.group_sale_salesman_all_leads",
            name="Dana Deals",
        )
        cls.new_stage = env.ref("crm.stage_lead1")
        cls.won_stage = env.ref("crm.stage_lead4")
        cls.customer_crm = env["res.partner"].create({"name": "Gemini Tour Furniture", "is_company": True})
        cls.deal = env["crm.lead"].create(
            {"name": "Tour showroom seating", "type": "opportunity", "stage_id": cls.new_stage.id}
        )

    def propose_win(self, user, name="Win the showroom deal"):
        return (
            self.env["aiom.action"]
            .with_user(user)
            .propose(
                {
                    "name": name,
                    "priority": "3",
                    "action_type": "odoo_update",
                    "target": {"model": "crm.lead", "id": self.deal.id},
                    "parameters": {
                        "model": "crm.lead",
                        "ids": [self.deal.id],
                        "values": {
                            "stage_id": self.won_stage.id,
                            "partner_id": self.customer_crm.id,
                            "expected_revenue": 12500,
                        },
                    },
                }
            )
        )


@tagged("post_install", "-at_install")
class TestDealPreview(DealCase, AiomCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.deal_setup(cls.env)

    def test_stage_customer_and_revenue_in_words(self):
        """Stage by name, the customer by name, the revenue with its currency: no ids."""
        action = self.propose_win(self.approver_crm)
        step = action.with_user(self.approver_crm).get_preview()[action.id]["steps"][0]
        [record] = step["records"]
        self.assertEqual(record["name"], "Tour showroom seating")
        changes = {change["label"]: (change["old"], change["new"]) for change in record["changes"]}
        self.assertEqual(changes["Stage"], ("New", "Won"))
        self.assertEqual(changes["Customer"], ("(empty)", "Gemini Tour Furniture"))
        currency = self.deal.company_currency or self.env.company.currency_id
        self.assertIn(currency.symbol, changes["Expected Revenue"][1])
        self.assertIn("12,500.00", changes["Expected Revenue"][1])

    def test_drift_names_the_tracked_fields(self):
        """The deal moved since the proposal: the warning says it, and which fields changed."""
        action = self.propose_win(self.approver_crm)
        self.env.cr.execute(
            "UPDATE aiom_action SET create_date = create_date - interval '1 hour' WHERE id = %s", [action.id]
        )
        action.invalidate_recordset(["create_date"])
        self.deal.with_context(tracking_disable=False).write({"stage_id": self.env.ref("crm.stage_lead2").id})
        self.env.flush_all()
        self.env.cr.precommit.run()
        drift = action.with_user(self.approver_crm).get_preview()[action.id]["drift"]
        self.assertTrue(drift)
        self.assertIn("Stage", drift[0])
        self.assertTrue(drift[0].startswith("Tour showroom seating changed since the proposal"), drift[0])


@tagged("post_install", "-at_install")
class TestDealPreviewTour(DealCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.deal_setup(cls.env)

    def test_approver_reads_the_preview_and_approves(self):
        """On the card and on the form: "Stage: New → Won" and the customer's name; then approve."""
        action = self.propose_win(self.env.ref("base.user_admin"))
        self.start_tour("/odoo/ai-coo", "aiom_coo_crm_preview_approve", login="aiom_preview_crm_approver")
        self.assertEqual(action.state, "executed", action.error_message)
        self.assertEqual(self.deal.stage_id, self.won_stage)
        self.assertEqual(self.deal.partner_id, self.customer_crm)
