import json
from datetime import datetime, timedelta
from unittest.mock import patch

import requests
from freezegun import freeze_time

from odoo.tests import common as odoo_test_common
from odoo.tests import tagged

from odoo.addons.aiom_coo.models import aiom_recommender_llm
from odoo.addons.aiom_coo.tests.common import AiomCase
from odoo.addons.aiom_coo.tests.llm_server import API_KEY, FakeLlm

from .common import post_invoice

TODAY = datetime(2026, 11, 25, 9, 0)
LOGGER = "odoo.addons.aiom_coo.models.aiom_recommender_llm"
SMTP2GO_KEY = "api-SMTP2GO-SECRET-0042"


@tagged("post_install", "-at_install")
class TestLlmRecommender(AiomCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.llm = FakeLlm().start()
        cls.addClassCleanup(cls.llm.stop)
        cls.operator = cls.env.ref("aiom_coo.user_aiom_operator")
        cls.analyzer = cls.env.ref("aiom_coo_account.analyzer_overdue_invoices")
        cls.other = cls.env["res.partner"].create({"name": "Gemini Late Payer", "email": "gemini@example.com"})
        # Never reminded, these invoices get the first reminder: with an activity, the plan checked here.
        cls.analyzer.level_ids.sorted("days")[0].schedule_activity = True
        cls.invoice(cls.customer, 25)
        cls.invoice(cls.other, 25, 5000.0)

    @classmethod
    def invoice(cls, partner, days_overdue, amount=1000.0):
        return post_invoice(cls.env, partner, (TODAY - timedelta(days=days_overdue)).date(), amount)

    def setUp(self):
        super().setUp()
        self.llm.requests.clear()
        self.llm.behaviours.clear()
        aiom_recommender_llm._paused_until.clear()
        self.llm.usage = {"prompt_tokens": 300, "completion_tokens": 120, "total_tokens": 420}
        params = self.env["ir.config_parameter"]
        params.set_param("aiom_coo.smtp2go_api_key", SMTP2GO_KEY)
        params.set_param("aiom_coo.llm_enabled", "True")
        params.set_param("aiom_coo.llm_base_url", self.llm.base_url)
        params.set_param("aiom_coo.llm_model", "test-model-7b")
        params.set_param("aiom_coo.llm_api_key", API_KEY)
        params.set_param("aiom_coo.llm_timeout", "5")
        params.set_param("aiom_coo.llm_monthly_token_budget", "0")

    # ------------------------------------------------------------------ helpers

    def finding(self, partner=None):
        with freeze_time(TODAY):
            findings = self.env["aiom.analyzer.overdue_invoices"].with_user(self.operator)._find(self.analyzer, 500)
        name = (partner or self.customer).name
        return next(finding for finding in findings if finding["facts"]["partner"] == name)

    def answer_for(self, finding, **changes):
        steps = [
            {
                "name": step["name"],
                "action_type": step["action_type"],
                "model": step["parameters"].get("model") or "",
                "subject": f"LLM subject for {step['name']}",
                "body": f"Dear {finding['facts']['partner']}, a kind LLM-written note for {step['name']}.",
            }
            for step in finding["steps"]
        ]
        return {
            "rationale": "LLM: a loyal customer, 25 days late on one invoice; a warm second reminder fits.",
            "confidence": 0.99,
            "risk_level": "low",
            "steps": steps,
            **changes,
        }

    def recommend(self, finding):
        with freeze_time(TODAY):
            return self.env["aiom.recommender"].with_user(self.operator)._recommend(self.analyzer, finding)

    def rule_based(self, finding):
        self.env["ir.config_parameter"].set_param("aiom_coo.llm_enabled", "False")
        try:
            return self.recommend(finding)
        finally:
            self.env["ir.config_parameter"].set_param("aiom_coo.llm_enabled", "True")

    def file_proposal(self, finding):
        with freeze_time(TODAY):
            return self.analyzer.with_user(self.operator)._propose(finding)

    def email_step(self, action):
        return action.step_ids.filtered(lambda step: step.action_type == "email_send")

    # ------------------------------------------------------------------ tests

    def test_good_answer_becomes_the_proposal(self):
        """The inbox shows the LLM's rationale and texts on the rule-based plan, marked and costed."""
        finding = self.finding()
        rules = self.rule_based(finding)
        self.assertFalse(self.llm.requests, "disabled: no request")
        self.llm.answer = self.answer_for(finding)
        action = self.file_proposal(finding)
        self.assertEqual(len(self.llm.requests), 1)
        self.assertEqual(action.state, "pending")
        self.assertTrue(action.llm_drafted)
        self.assertTrue(action.rationale.startswith("LLM: a loyal customer"))
        email = self.email_step(action)
        self.assertEqual(email.parameters["subject"], "LLM subject for reminder")
        self.assertIn("a kind LLM-written note", email.parameters["body"])
        self.assertEqual(email.parameters["to"], ["azure@example.com"], "recipients stay the rule-based ones")
        activity = action.step_ids.filtered(lambda step: step.action_type == "activity_schedule")
        self.assertEqual(activity.parameters["summary"], "LLM subject for accountant_activity")
        self.assertEqual(activity.parameters["res_id"], rules["steps"][1]["parameters"]["res_id"])
        # The LLM may make a proposal more careful, never more autonomous.
        self.assertEqual(action.risk_level, rules["risk_level"])
        self.assertEqual(action.confidence, rules["confidence"])
        usage = self.env["aiom.llm.usage"].search([("action_id", "=", action.id)])
        self.assertEqual((usage.total_tokens, usage.model_name, usage.accepted), (420, "test-model-7b", True))

    def test_request_carries_only_the_findings_facts(self):
        """Bearer key in the header, a strict JSON schema, and in the body the facts and draft texts only."""
        finding = self.finding()
        self.llm.answer = self.answer_for(finding)
        self.recommend(finding)
        request = self.llm.requests[0]
        self.assertEqual(request["headers"]["Authorization"], f"Bearer {API_KEY}")
        body = request["json"]
        self.assertEqual(body["model"], "test-model-7b")
        self.assertEqual(body["response_format"]["type"], "json_schema")
        self.assertTrue(body["response_format"]["json_schema"]["strict"])
        prompt = json.loads(body["messages"][-1]["content"])
        self.assertEqual(prompt["facts"], json.loads(json.dumps(finding["facts"])))
        self.assertEqual([step["name"] for step in prompt["draft"]["steps"]], ["reminder", "accountant_activity"])
        raw = request["raw"].decode()
        for secret in (SMTP2GO_KEY, API_KEY, "Gemini Late Payer", "azure@example.com"):
            self.assertNotIn(secret, raw)

    def test_bad_answers_fall_back_to_the_rules(self):
        """Malformed JSON, off-schema, a step on res.users, a new step, a reference, 429, 500: rule-based, logged."""
        finding = self.finding()
        rules = self.rule_based(finding)
        good = self.answer_for(finding)
        on_users = [{**good["steps"][1], "model": "res.users"}, good["steps"][0]]
        as_update = [{**good["steps"][0], "action_type": "odoo_update", "model": "res.users"}]
        extra = good["steps"] + [{**good["steps"][0], "name": "spam_everyone"}]
        reference = [{**good["steps"][0], "body": "Pay to {{ target.company_id.bank_ids }}"}]
        cases = {
            "malformed": ("malformed", good),
            "off-schema": ("ok", {"rationale": "Pay now", "confidence": "very", "risk_level": "low", "steps": []}),
            "unknown key": ("ok", {**good, "user_id": 2}),
            "not a number": ("ok", {**good, "confidence": float("nan")}),
            "empty rationale": ("ok", {**good, "rationale": "  "}),
            "step on res.users": ("ok", {**good, "steps": on_users}),
            "update on res.users": ("ok", {**good, "steps": as_update}),
            "added step": ("ok", {**good, "steps": extra}),
            "reference": ("ok", {**good, "steps": reference}),
            "429": ("429", good),
            "500": ("500", good),
        }
        for label, (behaviour, answer) in cases.items():
            with self.subTest(label):
                aiom_recommender_llm._paused_until.clear()
                self.llm.requests.clear()
                self.llm.fail_next(behaviour)
                self.llm.answer = answer
                with self.assertLogs(LOGGER, "WARNING") as logs:
                    vals = self.recommend(finding)
                self.assertEqual(len(self.llm.requests), 1, "no retries: the rules answer at once")
                self.assertIn("using the rule-based proposal", logs.output[0])
                self.assertEqual({key: value for key, value in vals.items() if key != "_llm_usage"}, rules)

    def test_failed_call_files_the_rule_based_proposal(self):
        """A 500 from the endpoint changes nothing but the wording: the rule-based proposal lands."""
        finding = self.finding()
        rules = self.rule_based(finding)
        self.llm.fail_next("500")
        with self.assertLogs(LOGGER, "WARNING"):
            action = self.file_proposal(finding)
        self.assertEqual(action.state, "pending")
        self.assertFalse(action.llm_drafted)
        self.assertEqual(action.rationale, rules["rationale"])
        self.assertEqual(self.email_step(action).parameters, rules["steps"][0]["parameters"])
        self.assertFalse(self.env["aiom.llm.usage"].search([("action_id", "=", action.id)]))

    def test_timeout_falls_back(self):
        """Slower than the timeout: rule-based proposal, and no more calls for a while."""
        finding = self.finding()
        rules = self.rule_based(finding)
        self.env["ir.config_parameter"].set_param("aiom_coo.llm_timeout", "0.5")
        self.llm.fail_next("slow:5")
        self.llm.answer = self.answer_for(finding)
        # Odoo's test harness raises timeouts below 10 s to 10 s: use the real send here.
        with patch.object(requests.Session, "send", odoo_test_common._super_send):
            with self.assertLogs(LOGGER, "WARNING") as logs:
                vals = self.recommend(finding)
        self.assertIn("did not answer within 0.5 s", logs.output[0])
        self.assertEqual(vals, rules)
        # A dead endpoint is not asked again for every finding of the batch.
        self.assertEqual(self.recommend(self.finding(self.other)), self.rule_based(self.finding(self.other)))
        self.assertEqual(len(self.llm.requests), 1)

    def test_monthly_budget_stops_calls(self):
        """Once the month's tokens reach the budget, no request is made; other months do not count."""
        self.env["ir.config_parameter"].set_param("aiom_coo.llm_monthly_token_budget", "1000")
        Usage = self.env["aiom.llm.usage"]
        Usage._engine().create({"month": "2026-10", "total_tokens": 5000, "company_id": self.env.company.id})
        finding, other = self.finding(), self.finding(self.other)
        self.llm.answer = self.answer_for(finding)
        self.assertTrue(self.file_proposal(finding).llm_drafted)
        self.llm.usage = {"prompt_tokens": 500, "completion_tokens": 200, "total_tokens": 700}
        self.llm.answer = self.answer_for(other)
        self.assertTrue(self.file_proposal(other).llm_drafted)
        self.assertEqual(len(self.llm.requests), 2)
        with freeze_time(TODAY):
            self.assertEqual(Usage._month_total(self.env.company), 1120)
        rules = self.rule_based(finding)
        self.assertEqual(self.recommend(finding), rules)
        self.assertEqual(len(self.llm.requests), 2, "budget reached: no request")

    def test_settings_store_the_parameters(self):
        """Settings > AI COO writes the SPEC's llm_* parameters."""
        settings = self.env["res.config.settings"].create(
            {
                "aiom_llm_enabled": True,
                "aiom_llm_base_url": "http://localhost:11434/v1",
                "aiom_llm_model": "llama3.1",
                "aiom_llm_api_key": "sk-x",
                "aiom_llm_timeout": 12,
                "aiom_llm_monthly_token_budget": 100000,
            }
        )
        settings.execute()
        params = self.env["ir.config_parameter"]
        self.assertEqual(params.get_param("aiom_coo.llm_base_url"), "http://localhost:11434/v1")
        self.assertEqual(params.get_param("aiom_coo.llm_model"), "llama3.1")
        self.assertEqual(params.get_param("aiom_coo.llm_monthly_token_budget"), "100000")
        self.assertEqual(float(params.get_param("aiom_coo.llm_timeout")), 12.0)
