from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.aiom_coo.models import aiom_planner, aiom_recommender_llm
from odoo.addons.aiom_coo.tests.common import AiomCase
from odoo.addons.aiom_coo.tests.llm_server import API_KEY, FakeLlm

from .planner_eval import Fixtures, activity, answer, email

LEAD = "lead:harbor"
MIA = "mia@harborlights.example"


@tagged("post_install", "-at_install")
class TestPlanner(AiomCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.llm = FakeLlm().start()
        cls.addClassCleanup(cls.llm.stop)
        cls.fx = Fixtures(cls.env, cls.llm)
        cls.user = cls.fx.salesperson
        cls.lead = cls.fx.record(LEAD)

    def setUp(self):
        super().setUp()
        self.llm.requests.clear()
        self.llm.behaviours.clear()
        self.llm.modes = {"json_schema"}
        aiom_recommender_llm._paused_until.clear()
        aiom_planner._modes.clear()
        params = self.env["ir.config_parameter"]
        params.set_param("aiom_coo.llm_enabled", "True")
        params.set_param("aiom_coo.llm_base_url", self.llm.base_url)
        params.set_param("aiom_coo.llm_model", "scripted-planner")
        params.set_param("aiom_coo.llm_api_key", API_KEY)
        params.set_param("aiom_coo.llm_timeout", "5")

    def ask(self, prompt="Book a call with the customer next week.", target=LEAD):
        model, res_id = self.fx.ref(target) if target else (None, None)
        Action = self.env["aiom.action"].with_user(self.user)
        return Action.plan_from_request(prompt, {"model": model, "id": res_id} if target else None)

    def test_request_becomes_the_users_pending_proposal(self):
        self.llm.answer = answer(
            "Call Mia about the quote",
            [activity(self.fx, LEAD, "Call Mia about the quote", 7), email([MIA], "Quote", "Hello Mia")],
            rationale="Mia asked for the quote on the 2nd; the deal is worth 18,000.",
            risk="low",
        )
        reply = self.ask()
        action = self.env["aiom.action"].browse(reply["id"])
        self.assertEqual((reply["state"], action.state), ("pending", "pending"))
        self.assertEqual((action.source, action.agent, action.proposed_by_id), ("planner", "AI planner", self.user))
        self.assertTrue(action.llm_planned and action.llm_drafted)
        self.assertEqual((action.target_model, action.target_res_id), ("crm.lead", self.lead.id))
        self.assertIn("Mia asked for the quote", action.rationale)
        self.assertIn("Requested of the AI planner: Book a call", action.rationale)
        self.assertEqual(action.risk_level, "medium", "an email is never low risk, whatever the LLM says")
        usage = self.env["aiom.llm.usage"].search([("action_id", "=", action.id)])
        self.assertEqual(
            (usage.purpose, usage.user_id, usage.total_tokens, usage.accepted), ("planner", self.user, 420, True)
        )
        # What the LLM was given: the lead's facts, its contacts, the schema of the registry; no secrets.
        request = self.llm.requests[-1]["json"]
        self.assertEqual(
            request["response_format"]["json_schema"]["schema"]["properties"]["steps"],
            self.env["aiom.step.handler"]._plan_schema(),
        )
        prompt = request["messages"][1]["content"]
        self.assertIn("Harbor Lights: 40 desks", prompt)
        self.assertIn(MIA, prompt)
        self.assertNotIn(API_KEY, prompt)
        self.assertLessEqual(request["max_tokens"], 2000)

    def test_llm_text_is_inert(self):
        self.llm.answer = answer("Confirm", [email([MIA], "Your address", "It is {{ target.partner_id.email }}.")])
        action = self.env["aiom.action"].browse(self.ask()["id"])
        self.assertEqual(action.step_ids.parameters["body"], "It is \\{{ target.partner_id.email }}.")

    def test_planned_actions_wait_for_a_person_unless_the_policy_says_so(self):
        self.env["ir.config_parameter"].set_param("aiom_coo.autonomy_level", "auto_low_risk")
        self.llm.answer = answer("Call", [activity(self.fx, LEAD, "Call Mia", 1)], confidence=0.99)
        action = self.env["aiom.action"].browse(self.ask()["id"])
        policy = self.env["aiom.guardrail.policy"]._for_company(action.company_id)
        policy.write(
            {
                "auto_step_types": ["activity_schedule"],
                "business_weekdays_only": False,
                "business_hour_from": 0,
                "business_hour_to": 24,
            }
        )
        self.assertEqual(action.risk_level, "low")
        self.assertIn("AI-planned", policy._auto_refusal(action))
        policy.auto_llm_plans = True
        self.assertIsNone(policy._auto_refusal(action))

    def test_tools_fallback_when_json_schema_is_refused(self):
        self.llm.modes = {"tools"}
        self.llm.answer = answer("Call", [activity(self.fx, LEAD, "Call Mia", 1)])
        self.assertEqual(self.ask()["state"], "pending")
        self.assertEqual(
            ["json_schema", "tools"], ["tools" if r["json"].get("tools") else "json_schema" for r in self.llm.requests]
        )
        self.ask()  # the mode found is remembered: one request
        self.assertEqual(len(self.llm.requests), 3)

    def test_without_llm_the_dialog_says_how_to_configure_one(self):
        self.env["ir.config_parameter"].set_param("aiom_coo.llm_enabled", "False")
        with self.assertRaisesRegex(UserError, "Settings > AI COO"):
            self.ask()
        wizard = self.env["aiom.planner.ask"].with_user(self.user).create({})
        self.assertFalse(wizard.llm_ready)
        self.assertIn("http://localhost:11434/v1", wizard.setup_message)
        self.assertFalse(self.llm.requests)

    def test_inbox_prompt_finds_the_partners_it_names(self):
        self.llm.answer = lambda payload: answer(
            "Call Azure Falls",
            [activity(self.fx, "partner:azure", "Call", 7)],
            target="res.partner,%d" % self.fx.ref("partner:azure")[1],
        )
        reply = self.ask("Book a call with Azure Falls next week.", target=None)
        action = self.env["aiom.action"].browse(reply["id"])
        self.assertEqual(action.target_ref, self.fx.record("partner:azure"))
        self.assertIn("ravi@azurefalls.example", self.llm.requests[-1]["json"]["messages"][1]["content"])

    def test_wizard_files_the_proposal_and_opens_it(self):
        self.llm.answer = answer("Call", [activity(self.fx, LEAD, "Call Mia", 1)])
        wizard = (
            self.env["aiom.planner.ask"]
            .with_user(self.user)
            .create({"prompt": "Call Mia tomorrow", "target_model": "crm.lead", "target_res_id": self.lead.id})
        )
        self.assertEqual(wizard.target_name, self.lead.display_name)
        result = wizard.action_plan()
        self.assertEqual(result["res_model"], "aiom.action")
        self.assertEqual(self.env["aiom.action"].browse(result["res_id"]).source, "planner")
        self.llm.answer = answer("Bad", [email(["x@evil.example"], "x", "y")])
        result = wizard.action_plan()
        self.assertEqual(result["res_model"], "aiom.planner.ask")
        self.assertIn("x@evil.example", wizard.error_message)

    def test_other_companies_and_unreadable_targets(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        hidden = self.env["crm.lead"].create({"name": "Secret deal", "company_id": other.id, "type": "opportunity"})
        with self.assertRaisesRegex(Exception, "does not exist or you may not read it"):
            self.env["aiom.action"].with_user(self.user).plan_from_request("x", {"model": "crm.lead", "id": hidden.id})
        self.assertFalse(self.llm.requests)

    # ------------------------------------------------------------------ the unanswered-emails analyzer

    def waiting_email(self, body="Could you send the revised quote?", hours=48):
        message = self.lead.message_post(
            body=body,
            message_type="email",
            subtype_xmlid="mail.mt_comment",
            author_id=self.lead.partner_id.id,
            email_from=MIA,
        )
        message.write({"date": fields.Datetime.now() - timedelta(hours=hours)})
        return message

    def run_analyzer(self):
        operator = self.env.ref("aiom_coo.user_aiom_operator")
        analyzer = self.env.ref("aiom_coo_crm.analyzer_unanswered_emails")
        analyzer.company_id.resource_calendar_id = False  # plain hours: the test does not depend on the weekday
        analyzer = analyzer.with_user(operator)
        actions = analyzer._run(batch_size=50)
        return actions.filtered(lambda action: action.target_res_id == self.lead.id)

    def test_unanswered_email_without_llm_is_an_activity_and_cancelled_when_answered(self):
        self.env["ir.config_parameter"].set_param("aiom_coo.llm_enabled", "False")
        message = self.waiting_email()
        action = self.run_analyzer()
        self.assertEqual(len(action), 1)
        self.assertEqual(action.step_ids.mapped("action_type"), ["activity_schedule"])
        self.assertEqual(action.step_ids.parameters["summary"], "Answer Mia Stone's email")
        self.assertEqual(action.step_ids.parameters["user_id"], self.user.id)
        self.assertIn(f"message:{message.id}", action.idempotency_key)
        self.assertFalse(self.run_analyzer(), "one proposal per email")
        self.waiting_email("Not yet overdue", hours=1)
        self.assertFalse(self.run_analyzer())
        # Someone answers: the brain loop cancels the proposal.
        self.lead.with_user(self.user).message_post(
            body="Here it is", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.env["aiom.followup"]._stop_resolved(100)
        self.assertEqual(action.state, "cancelled")

    def test_unanswered_email_with_llm_is_a_drafted_reply(self):
        self.waiting_email()
        self.llm.answer = answer(
            "Reply to Mia",
            [email([MIA], "Re: quote", "Hello Mia, it follows."), activity(self.fx, LEAD, "Send the quote", 1)],
        )
        action = self.run_analyzer()
        self.assertEqual(action.step_ids.mapped("action_type"), ["email_send", "activity_schedule"])
        self.assertTrue(action.llm_planned)
        self.assertEqual(action.source, "analyzer")
        usage = self.env["aiom.llm.usage"].search([("action_id", "=", action.id)])
        self.assertEqual(usage.purpose, "planner")
        self.assertIn("Could you send the revised quote?", self.llm.requests[-1]["json"]["messages"][1]["content"])
