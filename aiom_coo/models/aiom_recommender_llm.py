import json
import logging
import math
import time

from odoo import api, models
from odoo.exceptions import ValidationError

from ..llm import DEFAULT_TIMEOUT, LlmClient, LlmError
from .aiom_step_handler import RISKS

_logger = logging.getLogger(__name__)


class AnswerRefused(Exception):
    """The LLM's answer strays from the draft; the message is for the log, not for users."""


MAX_SUBJECT, MAX_BODY, MAX_RATIONALE = 200, 5000, 2000
# After the endpoint fails (down, slow, 429, 5xx), this process stops asking it for a while, so a
# dead endpoint costs one timeout per pause rather than one per finding of a brain-loop batch.
PAUSE_SECONDS = 300
_paused_until = {}  # database name -> time.monotonic() deadline


def answer_schema(step_types):
    """The JSON schema of the LLM's answer; ``step_types`` are the registry's codes."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["rationale", "confidence", "risk_level", "steps"],
        "properties": {
            "rationale": {"type": "string"},
            "confidence": {"type": "number"},
            "risk_level": {"type": "string", "enum": list(RISKS)},
            "steps": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name", "action_type", "model", "subject", "body"],
                    "properties": {
                        "name": {"type": "string"},
                        "action_type": {"type": "string", "enum": list(step_types)},
                        "model": {"type": "string"},
                        "subject": {"type": "string"},
                        "body": {"type": "string"},
                    },
                },
            },
        },
    }


SYSTEM_PROMPT = (
    "You are the drafting assistant of an operations team inside Odoo. You receive the facts of one "
    "finding (an overdue invoice, a stalled deal, ...) and a rule-based draft plan. Rewrite the draft "
    "into a clear, polite, personalised proposal: a rationale for the approver, your confidence "
    "(0 to 1), the risk (low, medium or high) and, for each step of the draft, a better subject and "
    "body. Keep every step's name, action_type and model exactly as in the draft; add no step. Use "
    "only the facts given; invent no amount, date, name or promise. No placeholders or templates. "
    "Answer with JSON only."
)


class AiomRecommender(models.AbstractModel):
    """The recommender, worded by an LLM when one is configured.

    The LLM only rewords the rule-based plan: the rationale, the texts of its email and activity
    steps, and it may raise (never lower) risk and lower (never raise) confidence, so it can never
    make an action execute on its own that would not have otherwise. Recipients, models, record ids
    and users stay those of the rule-based plan, and the result passes the same validation and
    guardrails. Any problem: a warning in the log and the rule-based proposal unchanged.
    """

    _inherit = "aiom.recommender"

    @api.model
    def _recommend(self, analyzer, finding):
        vals = super()._recommend(analyzer, finding)
        planned = finding.get("llm_plan")
        if planned:
            # The planner drafted the plan and its words already (and it was checked): not reworded.
            return {
                **vals,
                "rationale": planned["rationale"],
                "confidence": planned["confidence"],
                "risk_level": max(planned["risk_level"], vals["risk_level"], key=RISKS.index),
                "_llm_usage": {
                    **planned["usage"],
                    "model_name": planned["model_name"],
                    "accepted": True,
                    "planned": True,
                },
            }
        settings = self._llm_settings()
        if not settings or not vals["steps"]:
            return vals
        company = analyzer.company_id
        if _paused_until.get(self.env.cr.dbname, 0) > time.monotonic():
            return vals
        if self._llm_budget_reached(company, settings["budget"]):
            _logger.info("AI COO LLM recommender: the monthly token budget is reached; rule-based proposal.")
            return vals
        usage = {}
        try:
            client = LlmClient(settings["base_url"], settings["model"], settings["api_key"], settings["timeout"])
            schema = answer_schema(self.env["aiom.step.handler"]._step_types())
            answer, usage = client.complete(self._llm_messages(analyzer, finding, vals), schema)
            worded = self._llm_apply(vals, answer, company)
        except (LlmError, AnswerRefused, ValidationError) as error:
            usage = getattr(error, "usage", None) or usage
            unavailable = getattr(error, "unavailable", False)
            if unavailable:
                _paused_until[self.env.cr.dbname] = time.monotonic() + PAUSE_SECONDS
            _logger.warning(
                "AI COO LLM recommender: %s; using the rule-based proposal for %r%s.",
                error.args[0] if error.args else error,
                vals["name"],
                f" (no LLM calls for {PAUSE_SECONDS} s)" if unavailable else "",
            )
            worded = vals
        if usage.get("total_tokens"):
            accepted = worded is not vals
            worded = {**worded, "_llm_usage": {**usage, "model_name": settings["model"], "accepted": accepted}}
        return worded

    @api.model
    def _recorded(self, action, vals):
        """After the proposal is stored: note who wrote it and the tokens it cost."""
        super()._recorded(action, vals)
        usage = vals.get("_llm_usage")
        if not usage:
            return None
        if usage["accepted"]:
            action._engine().write({"llm_drafted": True, "llm_planned": bool(usage.get("planned"))})
        if not usage.get("total_tokens"):
            return None
        self.env["aiom.llm.usage"]._engine().create(
            {
                "purpose": "planner" if usage.get("planned") else "wording",
                "company_id": action.company_id.id,
                "action_id": action.id,
                "analyzer_id": action.analyzer_id.id,
                "model_name": usage["model_name"],
                "accepted": usage["accepted"],
                "prompt_tokens": usage["prompt_tokens"],
                "completion_tokens": usage["completion_tokens"],
                "total_tokens": usage["total_tokens"],
            }
        )
        return None

    # ------------------------------------------------------------------ settings and budget

    @api.model
    def _llm_settings(self):
        icp = self.env["ir.config_parameter"].sudo()  # system parameters: readable by admins only
        if icp.get_param("aiom_coo.llm_enabled", "False") not in ("True", "true", "1"):
            return None
        base_url, model = icp.get_param("aiom_coo.llm_base_url"), icp.get_param("aiom_coo.llm_model")
        if not base_url or not model:
            return None
        try:
            timeout = float(icp.get_param("aiom_coo.llm_timeout") or DEFAULT_TIMEOUT)
            budget = int(icp.get_param("aiom_coo.llm_monthly_token_budget") or 0)
        except ValueError:
            _logger.warning("AI COO LLM recommender: llm_timeout or llm_monthly_token_budget is not a number.")
            return None
        return {
            "base_url": base_url,
            "model": model,
            "api_key": icp.get_param("aiom_coo.llm_api_key"),
            "timeout": timeout if timeout > 0 else DEFAULT_TIMEOUT,
            "budget": budget,
        }

    @api.model
    def _llm_budget_reached(self, company, budget):
        return bool(budget) and self.env["aiom.llm.usage"]._month_total(company) >= budget

    # ------------------------------------------------------------------ prompt

    @api.model
    def _llm_messages(self, analyzer, finding, vals):
        """The finding's facts (plain values only) and the rule-based draft's texts: nothing else."""
        prompt = {
            "finding": analyzer.code,
            "facts": {key: value for key, value in finding["facts"].items() if _plain(value)},
            "draft": {
                "title": vals["name"],
                "rationale": vals["rationale"],
                "confidence": vals["confidence"],
                "risk_level": vals["risk_level"],
                "steps": [_draft_step(step, self._text_slots(step)) for step in vals["steps"]],
            },
        }
        return [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": json.dumps(prompt, ensure_ascii=False, default=str)},
        ]

    # ------------------------------------------------------------------ answer

    @api.model
    def _text_slots(self, step):
        """The step's (subject, body) text parameters, from its type: the LLM rewords only these."""
        texts = self.env["aiom.step.handler"]._step_type(step["action_type"]).texts
        return (None, texts[0]) if len(texts) == 1 else tuple(texts[:2]) if texts else (None, None)

    @api.model
    def _llm_apply(self, vals, answer, company):
        """The rule-based vals with the answer's wording; raises AnswerRefused or ValidationError
        (GuardrailViolation included) when the answer strays from the draft or breaks a guardrail."""
        rule_steps = {step["name"]: step for step in vals["steps"]}
        worded_by_name = {}
        for step in answer["steps"]:
            draft = rule_steps.get(step["name"])
            if draft is None or step["name"] in worded_by_name:
                raise AnswerRefused(f"the answer has a step {step['name']!r} that the draft has not")
            draft_model = draft["parameters"].get("model") or ""
            if step["action_type"] != draft["action_type"] or step["model"] != draft_model:
                raise AnswerRefused(
                    f"step {step['name']!r} became {step['action_type']} on {step['model']!r}; "
                    "only the draft's type and model are allowed"
                )
            worded_by_name[step["name"]] = step
        steps = [_reworded(step, worded_by_name.get(step["name"]), self._text_slots(step)) for step in vals["steps"]]
        if not math.isfinite(answer["confidence"]):
            raise AnswerRefused("the confidence is not a finite number")
        rationale = answer["rationale"].strip()
        if not rationale:
            raise AnswerRefused("the rationale is empty")
        _check_text("rationale", rationale, MAX_RATIONALE)
        # The LLM may make a proposal more careful, never more autonomous.
        risk = max(answer["risk_level"], vals["risk_level"], key=RISKS.index)
        confidence = round(min(max(float(answer["confidence"]), 0.0), 1.0, vals["confidence"]), 2)
        # The same checks as any proposal: normalisation (the built-in floor) and the company's policy.
        target = self.env[vals["target"]["model"]].browse(vals["target"]["id"])
        steps, touches = self.env["aiom.step.handler"]._prepare_plan(steps, target, self.env.user, company)
        risk = self.env["aiom.guardrail.policy"]._for_company(company)._check_plan(touches, risk)
        return {**vals, "rationale": rationale, "confidence": confidence, "risk_level": risk, "steps": steps}


def _plain(value):
    if isinstance(value, (list, tuple)):
        return all(_plain(item) for item in value)
    return value is None or isinstance(value, (str, int, float, bool))


def _draft_step(step, slots):
    subject_key, body_key = slots
    parameters = step["parameters"]
    return {
        "name": step["name"],
        "action_type": step["action_type"],
        "model": parameters.get("model") or "",
        "subject": (parameters.get(subject_key) or "") if subject_key else "",
        "body": (parameters.get(body_key) or "") if body_key else "",
    }


def _reworded(step, worded, slots):
    """The draft step with the LLM's texts in its text parameters; everything else untouched."""
    if worded is None or slots == (None, None):
        return step
    parameters = dict(step["parameters"])
    for key, text, limit in (
        (slots[0], worded["subject"].strip(), MAX_SUBJECT),
        (slots[1], worded["body"].strip(), MAX_BODY),
    ):
        if key is None:
            continue
        _check_text(f"{step['name']}.{key}", text, limit)
        if text:
            parameters[key] = text
    return {**step, "parameters": parameters}


def _check_text(label, text, limit):
    # The LLM's text is data: a {{ reference }} in it would be resolved at execution, so refuse it.
    if "{{" in text or "}}" in text:
        raise AnswerRefused(f"{label} contains a {{{{ reference }}}}, which the LLM may not write")
    if len(text) > limit:
        raise AnswerRefused(f"{label} is longer than {limit} characters")
