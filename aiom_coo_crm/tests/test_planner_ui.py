import json
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.aiom_coo.models import aiom_planner, aiom_recommender_llm
from odoo.addons.aiom_coo.tests.llm_server import API_KEY, FakeLlm

from .planner_eval import Fixtures, activity, answer

LEAD = "lead:harbor"


@tagged("post_install", "-at_install")
class TestPlannerUi(HttpCase):
    """What a person meets: the route, the inbox's "Ask the AI COO" and the chatter's "Ask AI COO"."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.llm = FakeLlm().start()
        cls.addClassCleanup(cls.llm.stop)
        cls.fx = Fixtures(cls.env, cls.llm)
        cls.user = cls.fx.salesperson
        cls.user.password = "aiom-eval-salesperson"
        cls.lead = cls.fx.record(LEAD)

    def setUp(self):
        super().setUp()
        aiom_recommender_llm._paused_until.clear()
        aiom_planner._modes.clear()
        params = self.env["ir.config_parameter"]
        params.set_param("aiom_coo.llm_enabled", "True")
        params.set_param("aiom_coo.llm_base_url", self.llm.base_url)
        params.set_param("aiom_coo.llm_model", "scripted-planner")
        params.set_param("aiom_coo.llm_api_key", API_KEY)
        self.llm.answer = answer("Call Mia about the quote", [activity(self.fx, LEAD, "Call Mia about the quote", 7)])

    def call(self, params, key):
        response = self.url_open(
            "/aiom/api/v1/actions/plan",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": params, "id": 1}),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
        )
        return response.json()

    def test_route(self):
        expiry = fields.Datetime.now() + timedelta(days=1)
        key = self.env["res.users.apikeys"].with_user(self.user)._generate(None, "planner test", expiry)
        reply = self.call({"prompt": "Book a call with Mia", "target": {"model": "crm.lead", "id": self.lead.id}}, key)
        action = self.env["aiom.action"].browse(reply["result"]["id"])
        self.assertEqual(reply["result"], {"id": action.id, "state": "pending", "error_message": None})
        self.assertEqual(
            (action.source, action.proposed_by_id, action.target_res_id), ("planner", self.user, self.lead.id)
        )
        reply = self.call({"prompt": "x", "model": "gpt"}, key)
        self.assertEqual(reply["error"]["data"]["name"], "odoo.exceptions.ValidationError")
        self.env["ir.config_parameter"].set_param("aiom_coo.llm_enabled", "False")
        reply = self.call({"prompt": "Book a call"}, key)
        self.assertEqual(reply["error"]["data"]["name"], "odoo.exceptions.UserError")
        self.assertIn("No LLM is configured", reply["error"]["data"]["message"])

    def test_inbox_prompt(self):
        self.start_tour("/odoo/ai-coo", "aiom_coo_planner_inbox", login=self.user.login)
        action = self.env["aiom.action"].search([("proposed_by_id", "=", self.user.id), ("source", "=", "planner")])
        self.assertEqual(action.name, "Call Mia about the quote")
        self.assertIn("Chase Harbor Lights", self.llm.requests[-1]["json"]["messages"][1]["content"])

    def test_chatter_prompt(self):
        self.start_tour(f"/odoo/crm/{self.lead.id}", "aiom_coo_planner_chatter", login=self.user.login)
        action = self.env["aiom.action"].search([("proposed_by_id", "=", self.user.id), ("source", "=", "planner")])
        self.assertEqual((action.target_model, action.target_res_id), ("crm.lead", self.lead.id))

    def test_without_llm_the_dialog_says_how(self):
        self.env["ir.config_parameter"].set_param("aiom_coo.llm_enabled", "False")
        self.start_tour("/odoo/ai-coo", "aiom_coo_planner_not_configured", login=self.user.login)
