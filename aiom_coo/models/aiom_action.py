import hashlib
import json
import logging
import math
from datetime import datetime, timedelta, timezone

from markupsafe import Markup, escape
from psycopg2 import OperationalError
from psycopg2.errors import LockNotAvailable, SerializationFailure

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.tools import SQL, Query

from .. import floor, limits
from ..exceptions import ActionBusy, GuardrailViolation, TransientStepError
from ..references import UnresolvedReference, resolve
from ..utils import has_nul, operator_id, pretty_json, record_link, selection_business_models
from .aiom_engine_guard import ENGINE  # noqa: F401  (re-exported for bridges)
from .aiom_step_handler import RISKS, proposer_env

_logger = logging.getLogger(__name__)

PENDING = "pending"
APPROVED = "approved"
EXECUTED = "executed"
FAILED = "failed"
REJECTED = "rejected"
BLOCKED = "blocked"
CANCELLED = "cancelled"
EXPIRED = "expired"

STATES = [
    (PENDING, "Pending"),
    (APPROVED, "Approved"),
    (EXECUTED, "Executed"),
    (FAILED, "Failed"),
    (REJECTED, "Rejected"),
    (BLOCKED, "Blocked"),
    (CANCELLED, "Cancelled"),
    (EXPIRED, "Expired"),
]
# Kanban columns of the Action Inbox, left to right: what needs a person first, closed work last.
INBOX_COLUMNS = [PENDING, FAILED, BLOCKED, EXECUTED, REJECTED, CANCELLED, EXPIRED]

# Every legal move of the state machine; anything else raises UserError.
TRANSITIONS = {
    PENDING: {APPROVED, REJECTED, CANCELLED, EXPIRED},
    APPROVED: {EXECUTED, FAILED},
    FAILED: {APPROVED},
}

# A plan of several steps; single-step actions take their step's type.
WORKFLOW = "workflow"
WORKFLOW_ICON = "fa-sitemap"

SOURCES = [
    ("manual", "Manual"),
    ("api", "API"),
    ("mcp", "AI agent (MCP)"),
    ("analyzer", "Analyzer"),
    ("recommender", "Recommender"),
    ("planner", "AI planner"),
]
# Sources and idempotency keys that only the engine's own proposers (the brain loop, the planner)
# may claim: an agent cannot pass itself off as an analyzer, nor take an analyzer's key first.
ENGINE_SOURCES = {"analyzer", "recommender", "planner"}
ENGINE_KEY_PREFIX = "aiom:"

# Transient failures (a provider's 429/5xx) are retried by the brain loop after 5, 10, 20 minutes.
MAX_AUTOMATIC_ATTEMPTS = 4
RETRY_BACKOFF = timedelta(minutes=5)

# Fields only the engine writes. The plan, its target and its origin included: the approver
# approves what was proposed, and nothing else.
ENGINE_FIELDS = frozenset(
    {
        "state",
        "action_type",
        "parameters",
        "step_ids",
        "plan_hash",
        "source",
        "agent",
        "idempotency_key",
        "target_model",
        "target_res_id",
        "company_id",
        "analyzer_id",
        "retry_at",
        "proposed_by_id",
        "approved_by_id",
        "approved_date",
        "rejected_by_id",
        "reject_reason",
        "executed_date",
        "result",
        "error_message",
        "attempt_count",
        "llm_drafted",
        "approvers_asked",
        "llm_planned",
    }
)
PROPOSAL_KEYS = {
    "name",
    "action_type",
    "parameters",
    "steps",
    "rationale",
    "confidence",
    "risk_level",
    "priority",
    "target",
    "target_model",
    "target_res_id",
    "agent",
    "expected_value",
    "idempotency_key",
    "expires_at",
    "source",
    "company_id",
    "llm_drafted",
    "llm_planned",
    "analyzer_id",
}
# Proposal keys only the engine's own proposers set (the LLM planner marks its plans, an analyzer
# its own).
ENGINE_PROPOSAL_KEYS = {"llm_drafted", "llm_planned", "analyzer_id"}
TEXT_LIMITS = {
    "name": limits.MAX_NAME,
    "rationale": limits.MAX_TEXT,
    "agent": limits.MAX_SHORT_TEXT,
    "idempotency_key": limits.MAX_SHORT_TEXT,
    "target_model": 64,
}


class AiomAction(models.Model):
    _name = "aiom.action"
    _description = "AI COO action"
    _inherit = ["aiom.engine.guard", "mail.thread", "mail.activity.mixin"]
    _order = "priority desc, expected_value desc, create_date desc, id desc"
    _engine_fields = ENGINE_FIELDS
    # Proposers (read-only on actions) may still comment on them.
    _mail_post_access = "read"

    name = fields.Char(required=True, tracking=True)
    action_type = fields.Selection(selection="_selection_action_type", required=True, default="odoo_create")
    type_icon = fields.Char(compute="_compute_type_icon")
    # Heavy and rarely read: not loaded with every card of the inbox.
    parameters = fields.Json(help="Parameters of a single-step action.", prefetch=False)
    step_ids = fields.One2many("aiom.action.step", "action_id", string="Plan", copy=True)
    step_count = fields.Integer(compute="_compute_step_count")
    plan_hash = fields.Char(
        readonly=True, help="Fingerprint of the plan as proposed: execution refuses a plan that differs."
    )
    state = fields.Selection(
        STATES,
        default=PENDING,
        required=True,
        readonly=True,
        tracking=True,
        index=True,
        group_expand="_group_expand_inbox_states",
    )
    source = fields.Selection(SOURCES, default="manual", required=True)
    rationale = fields.Text()
    llm_drafted = fields.Boolean(
        string="Drafted by an LLM",
        readonly=True,
        help="The wording (rationale, email and activity texts) was drafted by the configured LLM; "
        "the plan passed the same validation and guardrails as any other.",
    )
    llm_planned = fields.Boolean(
        string="Planned by an LLM",
        readonly=True,
        help="The plan itself (its steps, not only their wording) was drafted by the LLM planner: it waits for "
        "a person unless the guardrail policy lets AI-planned actions execute on their own.",
    )
    # Pivots and graphs average a confidence; a sum of confidences means nothing.
    confidence = fields.Float(digits=(3, 2), default=0.5, aggregator="avg")
    risk_level = fields.Selection(
        [("low", "Low"), ("medium", "Medium"), ("high", "High")], default="medium", required=True, tracking=True
    )
    priority = fields.Selection([("0", "Normal"), ("1", "Important"), ("2", "High"), ("3", "Urgent")], default="0")
    target_model = fields.Char(index=True)
    target_res_id = fields.Integer(index=True)
    target_ref = fields.Reference(selection=selection_business_models, compute="_compute_target_ref", string="Target")
    target_name = fields.Char(string="Target name", compute="_compute_target_name", search="_search_target_name")
    agent = fields.Char(index=True)
    proposed_by_id = fields.Many2one(
        "res.users", readonly=True, tracking=True, default=lambda self: self.env.user, ondelete="set null"
    )
    approved_by_id = fields.Many2one("res.users", readonly=True, tracking=True, ondelete="set null")
    rejected_by_id = fields.Many2one("res.users", readonly=True, tracking=True, ondelete="set null")
    approved_date = fields.Datetime(readonly=True)
    executed_date = fields.Datetime(readonly=True)
    reject_reason = fields.Text(readonly=True)
    result = fields.Json(readonly=True, prefetch=False)
    result_display = fields.Text(string="Result (JSON)", compute="_compute_result_display")
    error_message = fields.Text(readonly=True)
    execution_problem = fields.Text(
        compute="_compute_execution_problem",
        help="What would make this proposal fail if it were approved now (e.g. no way to send its email).",
    )
    attempt_count = fields.Integer(readonly=True)
    idempotency_key = fields.Char(index=True, copy=False)
    expected_value = fields.Float(
        help="What acting on this is worth (amount due, weighted deal value): orders the inbox."
    )
    analyzer_id = fields.Many2one("aiom.analyzer", readonly=True, ondelete="set null", index=True)
    retry_at = fields.Datetime(readonly=True, index=True, help="When the brain loop retries a transient failure.")
    expires_at = fields.Datetime()
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, ondelete="cascade"
    )

    _sql_constraints = [
        (
            # Keys are the proposer's own: another user's key neither returns nor blocks their action.
            "idempotency_key_company_unique",
            "UNIQUE(company_id, proposed_by_id, idempotency_key)",
            "You already filed an action with this idempotency key in this company.",
        ),
        ("confidence_range", "CHECK(confidence >= 0 AND confidence <= 1)", "Confidence must be between 0 and 1."),
    ]

    def init(self):
        # Each inbox column reads one state in the inbox's order: one index serves them all, so a
        # column of 100,000 actions is an index scan, not a sort.
        tools.create_index(
            self.env.cr,
            "aiom_action_inbox_order_idx",
            self._table,
            ["state", "priority DESC", "expected_value DESC", "create_date DESC", "id DESC"],
        )

    # ------------------------------------------------------------------ fields

    @api.model
    def _selection_action_type(self):
        return self.env["aiom.step.handler"]._selection() + [(WORKFLOW, self.env._("Workflow (several steps)"))]

    @api.depends("action_type")
    def _compute_type_icon(self):
        types = self.env["aiom.step.handler"]._step_types()
        for action in self:
            spec = types.get(action.action_type)
            action.type_icon = spec.icon if spec else WORKFLOW_ICON

    @api.depends("target_model", "target_res_id")
    def _compute_target_ref(self):
        # One existence check per target model, not one per card.
        existing = {}
        for model in set(self.mapped("target_model")) & set(self.env.registry):
            ids = [action.target_res_id for action in self if action.target_model == model and action.target_res_id]
            existing[model] = self.env[model].browse(ids).exists()
        for action in self:
            records = existing.get(action.target_model)
            action.target_ref = (
                records.browse(action.target_res_id) if records and action.target_res_id in records.ids else False
            )

    @api.depends("target_ref")
    def _compute_target_name(self):
        for action in self:
            target = action.target_ref
            action.target_name = target.display_name if target and target.has_access("read") else False

    @api.model
    def _search_target_name(self, operator, value):
        """Actions whose target record's name matches, in every target model the user may read."""
        if operator not in ("ilike", "=", "like", "=ilike") or not isinstance(value, str):
            return [("id", "=", False)]
        domain = []
        for (model,) in self._read_group([("target_model", "!=", False)], ["target_model"]):
            if model not in self.env or not self.env[model].has_access("read"):
                continue
            records = self.env[model].search([("display_name", operator, value)], limit=1000)
            if records:
                domain.append(["&", ("target_model", "=", model), ("target_res_id", "in", records.ids)])
        if not domain:
            return [("id", "=", False)]
        return ["|"] * (len(domain) - 1) + [leaf for part in domain for leaf in part]

    @api.model
    def _group_expand_inbox_states(self, states, domain):
        # Every main column, even empty, in inbox order; a transient state (approved) only when used.
        return INBOX_COLUMNS + [state for state in states if state not in INBOX_COLUMNS]

    @api.depends("result")
    def _compute_result_display(self):
        for action in self:
            action.result_display = pretty_json(action.result)

    @api.depends("state", "step_ids.action_type", "step_ids.parameters")
    def _compute_execution_problem(self):
        # One look per step type for the whole batch of cards, not one per card.
        open_actions = self.filtered(lambda action: action.state in (PENDING, FAILED))
        problems = self.env["aiom.step.handler"]._problems(open_actions) if open_actions else {}
        for action in self:
            action.execution_problem = "\n".join(problems.get(action.id, [])) or False

    @api.depends("step_ids")
    def _compute_step_count(self):
        for action in self:
            action.step_count = len(action.step_ids)

    # ------------------------------------------------------------------ protection

    def write(self, vals):
        if not self._is_engine():
            self._check_engine_write(vals)
            self._check_decision_fields(vals)
        return super().write(vals)

    def _check_decision_fields(self, vals):
        """What a person may still change on a proposal: its wording while it waits, a higher
        risk, a lower confidence. Never what would let it pass a guardrail it would otherwise meet."""
        if set(vals) & {"name", "rationale", "expires_at", "risk_level", "confidence", "priority"}:
            if any(action.state != PENDING for action in self):
                raise UserError(self.env._("Only a pending proposal can be edited."))
        for action in self:
            if "risk_level" in vals and RISKS.index(vals["risk_level"]) < RISKS.index(action.risk_level):
                raise AccessError(self.env._("A proposal's risk can be raised, never lowered."))
            if "confidence" in vals and vals["confidence"] > action.confidence:
                raise AccessError(self.env._("A proposal's confidence can be lowered, never raised."))

    # ------------------------------------------------------------------ proposal

    @api.model
    @api.returns("self", lambda action: action.id)
    def propose(self, vals):
        """Validate a proposal, apply idempotency and guardrails, and store it.

        A plan that violates a guardrail is stored as ``blocked`` with the reason; a malformed one
        raises ValidationError and stores nothing. Steps are normalised (values converted through
        the fields' types, x2many commands walked) and stored as normalised.
        """
        return self._propose_many([vals])[0]

    @api.model
    def plan_from_request(self, prompt, target=None):
        """Have the LLM planner draft a plan for ``prompt`` (about ``target``, ``{"model", "id"}``)
        and file it as the current user's pending proposal (source ``planner``, agent "AI planner").

        Returns ``{"id", "state", "error_message"}``; ``id`` is None and ``state`` is ``refused``
        when the LLM's answer could not become a proposal. Raises UserError when no LLM is
        configured, the budget is spent or the endpoint cannot be reached.
        """
        record = None
        if target is not None:
            record = self._take_target({"target": target})
        return self.env["aiom.planner"]._plan(prompt, record)

    @api.model
    def _propose_many(self, vals_list, skip_invalid=False):
        """Propose several actions as ``propose`` does each, in bulk (the brain loop's batches): the
        idempotency keys are looked up in one query, the records the plans name are checked as the
        proposer in one query per model, and the actions and their steps are inserted together.

        Returns the actions in the order of ``vals_list``. A malformed proposal raises; with
        ``skip_invalid`` it is logged and its place holds an empty recordset.
        """
        handler = self.env["aiom.step.handler"]
        results = [self.browse()] * len(vals_list)

        def refuse(index, error):
            if not skip_invalid:
                raise error
            _logger.warning("AI COO: proposal %r refused: %s", vals_list[index].get("name"), error.args[0])

        shaped = []
        for index, raw in enumerate(vals_list):
            try:
                vals = self._proposal_vals(raw)
                shaped.append((index, vals, self._proposal_company(vals)))
            except (ValidationError, AccessError) as error:
                refuse(index, error)
        existing = self._idempotent_matches([(vals.get("idempotency_key"), company) for _i, vals, company in shaped])
        items, reads, first = [], {}, {}  # reads: company id -> (model, id) -> labels
        for index, vals, company in shaped:
            key = (vals.get("idempotency_key"), company.id)
            if key in existing:
                results[index] = existing[key]
                continue
            if key[0] and key in first:
                results[index] = first[key]  # a duplicate in this list: its first occurrence's action
                continue
            try:
                company_reads = reads.setdefault(company.id, {})
                target = self._take_target(vals, company_reads, index)
                plan = self._plan_from_vals(vals)
                self._check_proposal_values(vals)
                item = {"index": index, "vals": vals, "company": company, "plan": plan, "touches": [], "error": None}
                try:
                    item["plan"], item["touches"] = handler._prepare_plan(
                        plan, target, self.env.user, company, reads=company_reads, label=index
                    )
                except GuardrailViolation as violation:
                    item["error"] = violation.args[0]
            except (ValidationError, AccessError) as error:
                refuse(index, error)
                continue
            if key[0]:
                first[key] = index
            items.append(item)
        hidden = {}
        for company_id, company_reads in reads.items():
            company = self.env["res.company"].browse(company_id)
            hidden.update(handler._verify_reads(company_reads, self.env.user, company))
        to_create = []
        for item in items:
            refused = {label: ids for label, ids in hidden.items() if label[0] == item["index"]}
            if refused and not item["error"]:
                try:
                    handler._raise_unreadable(refused, self.env.user)
                except ValidationError as error:
                    refuse(item["index"], error)
                    continue
            if not item["error"]:
                item["error"] = self._guardrail_refusal(item)
            to_create.append(item)
        for item, action in zip(to_create, self._create_proposals(to_create), strict=True):
            results[item["index"]] = action
        return [results[found] if isinstance(found, int) else found for found in results]

    @api.model
    def _guardrail_refusal(self, item):
        """The company policy's verdict on a normalised proposal: the reason it is blocked, or None
        (and the risk it needs set on its values)."""
        vals = item["vals"]
        policy = self.env["aiom.guardrail.policy"]._for_company(item["company"])
        try:
            if vals.get("source") not in ENGINE_SOURCES:
                # The brain loop's analyzers are bounded by their findings and batches, not by a rate.
                policy._check_proposal_rate(vals.get("agent"), self.env.user)
            vals["risk_level"] = policy._check_plan(item["touches"], vals.get("risk_level", "medium"))
        except GuardrailViolation as violation:
            return violation.args[0]
        return None

    @api.model
    def _create_proposals(self, items):
        """Insert the proposals together (actions, steps); a lost race on an idempotency key falls
        back to one by one, where the other proposal wins."""
        handler = self.env["aiom.step.handler"]
        create_list = []
        for item in items:
            vals, plan = item["vals"], item["plan"]
            create_vals = {
                **vals,
                "company_id": item["company"].id,
                "action_type": plan[0]["action_type"] if len(plan) == 1 else WORKFLOW,
                "parameters": plan[0]["parameters"] if len(plan) == 1 else False,
                "step_ids": [
                    fields.Command.create(
                        {
                            **step,
                            "sequence": index,
                            "private_result": bool(handler._private_result(step["action_type"])),
                        }
                    )
                    for index, step in enumerate(plan, start=1)
                ],
                "plan_hash": plan_fingerprint(plan, vals.get("target_model"), vals.get("target_res_id")),
                "proposed_by_id": self.env.user.id,
            }
            if item["error"]:
                create_vals.update(state=BLOCKED, error_message=item["error"])
            create_list.append(create_vals)
        if not create_list:
            return []
        try:
            with self.env.cr.savepoint():
                actions = list(self._engine().create(create_list))
        except Exception:
            if len(create_list) == 1 and not create_list[0].get("idempotency_key"):
                raise
            actions = [self._create_one(vals, item["company"]) for vals, item in zip(create_list, items, strict=True)]
        blocked = {action.id: item["error"] for action, item in zip(actions, items, strict=True) if item["error"]}
        if blocked:
            # One note per blocked proposal, logged together (no notification: the inbox shows them).
            notes = {id_: escape(self.env._("Blocked at proposal: %s", reason)) for id_, reason in blocked.items()}
            self.browse(list(blocked))._message_log_batch(notes)
        return [self.browse(action.id) for action in actions]

    @api.model
    def _create_one(self, create_vals, company):
        key = create_vals.get("idempotency_key")
        try:
            with self.env.cr.savepoint():
                return self._engine().create(create_vals)
        except Exception:
            # Lost a race on the idempotency key: the other proposal wins.
            existing = key and self._idempotent_matches([(key, company)]).get((key, company.id))
            if existing:
                return existing
            raise

    @api.model
    def _proposal_vals(self, vals):
        """The proposal's keys, checked for shape and size; reserved values refused."""
        if not isinstance(vals, dict):
            raise ValidationError(self.env._("A proposal must be a JSON object."))
        if has_nul(vals):
            raise ValidationError(self.env._("A proposal cannot contain NUL characters."))
        unknown = set(vals) - PROPOSAL_KEYS
        if unknown:
            raise ValidationError(self.env._("Unknown proposal fields: %s.", ", ".join(sorted(unknown))))
        vals = {key: value for key, value in vals.items() if value is not None}
        for key, maximum in TEXT_LIMITS.items():
            if key in vals and (not isinstance(vals[key], str) or len(vals[key]) > maximum):
                raise ValidationError(
                    self.env._("%(key)r must be a text of at most %(max)s characters.", key=key, max=maximum)
                )
        if not self._is_engine():
            if set(vals) & ENGINE_PROPOSAL_KEYS:
                raise AccessError(
                    self.env._("%s are set by AI COO only.", ", ".join(sorted(set(vals) & ENGINE_PROPOSAL_KEYS)))
                )
            if vals.get("source") in ENGINE_SOURCES:
                raise AccessError(self.env._("Source %r is reserved to AI COO's own proposers.", vals["source"]))
            if str(vals.get("idempotency_key", "")).startswith(ENGINE_KEY_PREFIX):
                raise AccessError(
                    self.env._("Idempotency keys starting with %r are reserved to AI COO.", ENGINE_KEY_PREFIX)
                )
        return vals

    @api.model
    def _proposal_company(self, vals):
        """The company the proposal is filed in: one of the proposer's own companies."""
        company_id = vals.pop("company_id", None) or self.env.company.id
        if not isinstance(company_id, int) or company_id not in self.env.user.company_ids.ids:
            raise AccessError(self.env._("You cannot propose actions in company %s.", company_id))
        return self.env["res.company"].browse(company_id)

    @api.model
    def _idempotent_matches(self, pairs):
        """{(key, company id): action} for the keys already filed, in one query: the proposer's own,
        or for the engine's keys, any in the company."""
        pairs = [(key, company) for key, company in pairs if key]
        if not pairs:
            return {}
        found = {}
        domain = [
            ("idempotency_key", "in", list({key for key, _company in pairs})),
            ("company_id", "in", list({company.id for _key, company in pairs})),
        ]
        for action in self.search(domain, order="id"):
            if action.idempotency_key.startswith(ENGINE_KEY_PREFIX) or action.proposed_by_id.id == self.env.uid:
                found.setdefault((action.idempotency_key, action.company_id.id), action)
        return found

    @api.model
    def _take_target(self, vals, reads=None, label=None):
        """The record the action is about: on a model the floor allows, readable by the proposer
        (checked now, or collected in ``reads`` under ``(label, None)`` for the caller to check).

        A missing and an unreadable record get the same answer, so proposals cannot probe records.
        """
        target = vals.pop("target", None)
        if target is not None:
            if not isinstance(target, dict) or set(target) - {"model", "id"}:
                raise ValidationError(self.env._("'target' must be an object with 'model' and 'id'."))
            vals["target_model"], vals["target_res_id"] = target.get("model"), target.get("id")
        model, res_id = vals.get("target_model"), vals.get("target_res_id")
        if not model and not res_id:
            return None
        if not isinstance(model, str) or model not in self.env:
            raise ValidationError(self.env._("Target model %r does not exist.", model))
        if floor.model_is_denied(self.env[model]):
            raise ValidationError(self.env._("Target model %r is not open to AI COO actions.", model))
        record = self.env[model].browse(res_id) if isinstance(res_id, int) and not isinstance(res_id, bool) else None
        if record is not None and reads is not None:
            reads.setdefault((model, res_id), []).append((label, None))
            return record
        if record is None or not record.exists() or not record.has_access("read"):
            raise ValidationError(
                self.env._(
                    "Target %(model)s record %(id)r does not exist or you may not read it.", model=model, id=res_id
                )
            )
        return record

    @api.model
    def _plan_from_vals(self, vals):
        steps = vals.pop("steps", None)
        if steps is None:
            return [
                {
                    "name": vals.get("action_type"),
                    "action_type": vals.get("action_type"),
                    "parameters": vals.get("parameters") or {},
                }
            ]
        if not isinstance(steps, list) or not steps:
            raise ValidationError(self.env._("'steps' must be a non-empty list."))
        if vals.get("action_type") not in (None, WORKFLOW) or vals.get("parameters"):
            raise ValidationError(self.env._("Give either 'action_type' and 'parameters', or 'steps', not both."))
        plan = []
        for index, step in enumerate(steps, start=1):
            if not isinstance(step, dict) or set(step) - {"name", "action_type", "parameters"}:
                raise ValidationError(
                    self.env._("Step %s must be an object with 'name', 'action_type' and 'parameters'.", index)
                )
            plan.append(
                {
                    "name": step.get("name") or f"step_{index}",
                    "action_type": step.get("action_type"),
                    "parameters": step.get("parameters") or {},
                }
            )
        return plan

    @api.model
    def _check_proposal_values(self, vals):
        if not isinstance(vals.get("name"), str) or not vals["name"].strip():
            raise ValidationError(self.env._("A proposal needs a 'name': one line that says what it does."))
        if vals.get("expires_at") is not None:
            vals["expires_at"] = self._parse_utc(vals["expires_at"], "expires_at")
        confidence = vals.get("confidence", 0.5)
        if (
            not isinstance(confidence, (int, float))
            or isinstance(confidence, bool)
            or not math.isfinite(confidence)
            or not 0 <= confidence <= 1
        ):
            raise ValidationError(self.env._("'confidence' must be a number between 0 and 1."))
        expected_value = vals.get("expected_value", 0.0)
        if (
            not isinstance(expected_value, (int, float))
            or isinstance(expected_value, bool)
            or not math.isfinite(expected_value)
        ):
            raise ValidationError(self.env._("'expected_value' must be a number."))
        for key in ("risk_level", "priority", "source"):
            allowed = [value for value, _label in self._fields[key].selection]
            if key in vals and vals[key] not in allowed:
                raise ValidationError(
                    self.env._("%(key)r must be one of %(allowed)s.", key=key, allowed=", ".join(allowed))
                )

    @api.model
    def _parse_utc(self, value, key):
        """An ISO-8601 date and time (with or without offset; naive means UTC) as Odoo's naive UTC."""
        if isinstance(value, datetime):
            parsed = value
        else:
            try:
                parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except (AttributeError, TypeError, ValueError):
                raise ValidationError(
                    self.env._("%r must be an ISO-8601 date and time, e.g. 2026-12-01T09:00:00Z.", key)
                ) from None
        if parsed.tzinfo:
            parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
        return parsed

    # ------------------------------------------------------------------ transitions

    def _change_state(self, new_state, **vals):
        """The one place where the state changes: refuses every move not in TRANSITIONS."""
        self._check_transition(new_state)
        self._engine().write({"state": new_state, **vals})

    def _check_transition(self, new_state):
        for action in self:
            if new_state not in TRANSITIONS.get(action.state, ()):
                raise UserError(
                    self.env._(
                        "%(name)s cannot go from %(old)s to %(new)s.",
                        name=action.display_name,
                        old=dict(STATES)[action.state],
                        new=dict(STATES)[new_state],
                    )
                )

    def _check_approver_group(self):
        if not self.env.user.has_group("aiom_coo.group_aiom_approver"):
            raise AccessError(self.env._("Only AI COO approvers can approve, reject or retry actions."))

    def _check_may_execute(self):
        """Before executing: the kill switch and the four-eyes rule of the action's policy."""
        self.ensure_one()
        # System parameters are readable by administrators only; every approver obeys this one.
        if self.env["ir.config_parameter"].sudo().get_param("aiom_coo.autonomy_level") == "off":
            raise UserError(self.env._("AI COO execution is switched off (Settings > AI COO > Autonomy level: Off)."))
        self._policy()._check_four_eyes(self, self.env.user)

    def _policy(self):
        return self.env["aiom.guardrail.policy"]._for_company(self.company_id)

    def _lock(self, expected_states):
        """Lock the action row so that concurrent approvals execute it once; re-check its state."""
        self.ensure_one()
        self.check_access("write")
        name = self.name  # a refused lock aborts the transaction: nothing can be read after it
        try:
            # No savepoint of its own: a refused lock ends the request (or the caller's savepoint).
            # The row is read again under the lock, in the same query: the state checked is the latest.
            locked = self._fetch_row(lock=True)
        except (LockNotAvailable, SerializationFailure):
            raise ActionBusy(
                self.env._("%s is being processed by someone else right now. Reload to see its new state.", name)
            ) from None
        if not locked:
            raise MissingError(self.env._("AI COO action %s does not exist.", self.id))
        if self.state not in expected_states:
            raise UserError(
                self.env._(
                    "%(name)s is already %(state)s: it can no longer be approved.",
                    name=self.name,
                    state=dict(STATES)[self.state].lower(),
                )
            )
        if PENDING in expected_states and self.expires_at and self.expires_at < fields.Datetime.now():
            raise UserError(self.env._("%s expired and can no longer be approved.", self.name))

    def _fetch_row(self, lock=False):
        """Forget what the cache holds of the action and read its row again in one query (its
        stored fields but the heavy JSON ones), under a row lock that fails at once when ``lock``;
        return the action, or an empty recordset when it does not exist. Record rules are not
        applied here: callers check access on the values read."""
        self.ensure_one()
        row_fields = [
            field
            for field in self._fields.values()
            if field.store and field.column_type and field.prefetch is True and field.is_accessible(self.env)
        ]
        self.invalidate_recordset()
        query = (_LockedRowQuery if lock else Query)(self.env, self._table, self._table_sql)
        query.set_result_ids(self._ids, ordered=False)
        return self._fetch_query(query, row_fields)

    def action_approve(self):
        """Approve and execute at once, with the rights of the approving user.

        Returns True once the action ran, whether it executed or failed: read ``state`` (and
        ``error_message``) for the outcome.
        """
        return self._approve_from({PENDING})

    def action_retry(self):
        """Execute a failed action again; its earlier attempt left nothing behind."""
        return self._approve_from({FAILED})

    def _approve_from(self, states):
        self._check_approver_group()
        for action in self:
            action._check_may_execute()
            action._lock(states)
            action._approve_and_run()
        return True

    def action_reject(self, reason=None):
        self._check_approver_group()
        if reason is not None and (not isinstance(reason, str) or len(reason) > limits.MAX_TEXT):
            raise ValidationError(self.env._("The reason must be a text of at most %s characters.", limits.MAX_TEXT))
        for action in self:
            action._lock({PENDING})
            action._change_state(REJECTED, rejected_by_id=self.env.uid, reject_reason=reason or False)
            body = self.env._("Rejected by %(user)s.", user=self.env.user.name)
            if reason:
                body = self.env._("Rejected by %(user)s: %(reason)s", user=self.env.user.name, reason=reason)
            action._track_set_log_message(Markup("<p>%s</p>") % body)
        return True

    def action_cancel(self):
        self._check_approver_group()
        for action in self:
            action._lock({PENDING})
            action._change_state(CANCELLED)
        return True

    def _expire(self):
        self._change_state(EXPIRED)

    def _approve_and_run(self):
        # The approval is written together with the outcome, after the steps ran: the row lock
        # already keeps others out, and the chatter gets one tracking line (Pending -> Executed).
        self._check_transition(APPROVED)
        self._run(self._approval_values())

    def _approval_values(self):
        return {
            "approved_by_id": self.env.uid,
            "approved_date": fields.Datetime.now(),
            "attempt_count": self.attempt_count + 1,
            "error_message": False,
            "retry_at": False,
        }

    # ------------------------------------------------------------------ preview

    def get_preview(self):
        """What approving each action would change, in words, read with the caller's rights:
        {action id: {"steps": [...], "drift": [texts]}} (see ``aiom.step.handler._preview_plan``).
        Reads only: nothing is executed, not even in a rolled-back savepoint."""
        self.check_access("read")
        handler = self.env["aiom.step.handler"]
        return {action.id: handler._preview_plan(action) for action in self}

    # ------------------------------------------------------------------ execution

    def _target_record(self):
        if self.target_model in self.env and self.target_res_id:
            return self.env[self.target_model].browse(self.target_res_id).exists() or None
        return None

    def _run(self, approval=None):
        """Run every step in one savepoint: all ORM changes commit together or none remain.

        ``approval`` holds the approval's values when approving and running are one (the button);
        without it the action is already ``approved`` (a queued job runs what a person approved).

        Each step's references are resolved as the proposer, its parameters normalised again and
        checked against the policy as it is now; deferred steps (email) run last, once every ORM
        step has succeeded, so a rolled-back action never emails.
        """
        self.ensure_one()
        handler = self.env["aiom.step.handler"]
        steps = self._plan_steps()
        results = {}
        # Results of deferred steps (emails accepted by a provider): a rollback cannot undo them.
        outside_effects, outside_parameters = {}, {}
        current = None
        try:
            with self.env.cr.savepoint():
                proposer, scope, reader = self._execution_scope(steps)
                if self.analyzer_id:
                    self.analyzer_id._check_still_needed(self)
                deferred = steps.filtered(lambda s: handler._is_deferred(s.action_type))
                for step in (steps - deferred) + deferred:
                    current = step
                    parameters = resolve(step.parameters or {}, scope, reader)
                    parameters, touches = handler._prepare(
                        step.action_type, parameters, proposer, self.company_id, resolved=True
                    )
                    # The policy may have changed since the proposal: it is checked again now.
                    self._policy()._check_execution(self, touches, proposer)
                    results[step.name] = handler._execute(step, parameters)
                    scope["steps"][step.name] = results[step.name]
                    if step in deferred:
                        outside_effects[step.name] = results[step.name]
                        outside_parameters[step.name] = parameters
                current = None
                self._post_target_note(steps, results)
        except OperationalError:
            # Lost connection, deadlock, serialization: let the transaction retry or fail as a whole.
            raise
        except Exception as error:  # noqa: BLE001 - any step error fails the action, never the caller
            # What left the database (an accepted email) stays true after the rollback.
            self._approve(approval)
            self._record_failure(steps, current, error, outside_effects)
            for step in steps.filtered(lambda s: s.name in outside_effects):
                try:
                    with self.env.cr.savepoint():
                        handler._kept(step, outside_parameters[step.name], outside_effects[step.name])
                except Exception:  # the failure is recorded, whatever its aftermath
                    _logger.exception("AI COO action %s: what step %r did could not be recorded", self.id, step.name)
            return False
        self._approve(approval)
        self._record_success(steps, results)
        return True

    def _approve(self, approval):
        if approval is not None:
            self._change_state(APPROVED, **approval)

    def _plan_steps(self):
        """The plan's steps in order, ids and fields in one query (as the caller: record rules apply)."""
        Step = self.env["aiom.action.step"]
        names = [name for name, field in Step._fields.items() if field.store and field.prefetch is True]
        return Step.search_fetch([("action_id", "=", self.id)], names, order="sequence, id")

    def _stored_plan(self, steps=None):
        return [
            {"name": step.name, "action_type": step.action_type, "parameters": step.parameters or {}}
            for step in (self.step_ids.sorted("sequence") if steps is None else steps)
        ]

    def _fingerprint_plan(self):
        """Fingerprint the plan each action holds (actions proposed before plans were fingerprinted)."""
        for action in self:
            action._engine().write(
                {"plan_hash": plan_fingerprint(action._stored_plan(), action.target_model, action.target_res_id)}
            )

    def _execution_scope(self, steps):
        """The proposer, the references' scope and their reader, once the plan is proven unchanged."""
        if plan_fingerprint(self._stored_plan(steps), self.target_model, self.target_res_id) != self.plan_hash:
            raise UserError(self.env._("The plan changed after it was proposed: nothing was done. Propose it again."))
        proposer = self.proposed_by_id
        if not proposer:
            raise UserError(self.env._("The proposer of this action no longer exists: propose it again."))
        as_proposer = proposer_env(self.env, proposer, self.company_id)
        target = self._target_record()
        scope = {"steps": {}, "target": target.with_env(as_proposer) if target is not None else None}
        handler = self.env["aiom.step.handler"]

        def reader(record, field_name):
            # Every hop is read as the proposer, through the floor: never more than they may read.
            problem = handler._read_problem(record, field_name, as_proposer)
            if not problem and not record.has_access("read"):
                problem = self.env._("%(proposer)s may not read %(record)s", proposer=proposer.name, record=record)
            return problem

        return proposer, scope, reader

    def _record_success(self, steps, results):
        handler = self.env["aiom.step.handler"]
        for step in steps:
            step._engine().write({"state": "done", "result": results.get(step.name), "error_message": False})
        summary = {}
        for step in steps:
            # What only the proposer and approvers may read (found records) stays on the step.
            private = handler._private_result(step.action_type)
            summary[step.name] = {k: v for k, v in (results.get(step.name) or {}).items() if k not in private}
        self._change_state(EXECUTED, executed_date=fields.Datetime.now(), result=summary)
        # One chatter entry per execution: the tracked changes with the summary as their text.
        self._track_set_log_message(self._result_summary(steps, results))

    def _record_failure(self, steps, failed_step, error, kept_results):
        reason = self._error_text(error)
        if failed_step:
            message = self.env._("Step %(step)r failed: %(reason)s", step=failed_step.name, reason=reason)
        else:
            message = reason
        if not isinstance(error, (UserError, ValidationError, AccessError, UnresolvedReference)):
            _logger.exception("AI COO action %s failed unexpectedly", self.id)
        passed = True
        for step in steps:
            if step == failed_step:
                passed = False
                step._engine().write({"state": "failed", "error_message": reason, "result": False})
            elif step.name in kept_results:
                step._engine().write({"state": "done", "result": kept_results[step.name], "error_message": False})
            else:
                step._engine().write(
                    {"state": "pending" if passed else "skipped", "result": False, "error_message": False}
                )
        retry_at = False
        if isinstance(error, TransientStepError) and self.attempt_count < MAX_AUTOMATIC_ATTEMPTS:
            retry_at = fields.Datetime.now() + RETRY_BACKOFF * 2 ** (self.attempt_count - 1)
        self._change_state(FAILED, error_message=message, result=kept_results or False, retry_at=retry_at)
        self._track_set_log_message(
            Markup("<p>%s</p>") % self.env._("Execution failed, nothing was changed. %s", message)
        )

    @api.model
    def _error_text(self, error):
        if isinstance(error, (UserError, ValidationError, AccessError, UnresolvedReference)):
            return str(error.args[0]) if error.args else str(error)
        return f"{type(error).__name__}: {error}"

    def _result_summary(self, steps, results):
        header = self.env._("Executed by %s:", self.env.user.name)
        return Markup("<p>%s</p><ul>%s</ul>") % (header, self._summary_lines(steps, results))

    def _summary_lines(self, steps, results):
        handler = self.env["aiom.step.handler"]
        return Markup("").join(
            Markup("<li>%s</li>") % handler._summary(step, results.get(step.name) or {}) for step in steps
        )

    def _post_target_note(self, steps, results):
        """Tell the target record what was done to it, with a link back to the action."""
        target = self._target_record()
        if target is None or not hasattr(target, "message_post"):
            return
        header = Markup("%s %s") % (self.env._("AI COO action executed by %s:", self.env.user.name), record_link(self))
        body = Markup("<p>%s</p><ul>%s</ul>") % (header, self._summary_lines(steps, results))
        target.message_post(body=body, subtype_xmlid="mail.mt_note", message_type="comment")

    # ------------------------------------------------------------------ scheduled work

    @api.model
    def _cron_brain_loop(self, batch_size=200):
        """The operator's loop, one batch per call: expire stale proposals, stop follow-ups whose
        situation was resolved, let the analyzers propose, retry transient failures and execute
        what the guardrails allow. Reports progress; ir.cron calls it again while work remains."""
        expired = self._expire_stale(batch_size)
        stopped = self.env["aiom.followup"]._stop_resolved(batch_size)
        proposed, more = self.env["aiom.analyzer"].search([])._run_batch(batch_size)
        retried = self._retry_transient(batch_size)
        executed = self._auto_execute_pending(batch_size)
        done = len(expired) + len(stopped) + len(proposed) + len(retried) + len(executed)
        # An analyzer that found a full batch of candidates may have more: Odoo calls again at once
        # (after a commit, up to 10 times a run), so that one scheduled run files every finding.
        self.env["ir.cron"]._notify_progress(done=max(done, 1 if more else 0), remaining=batch_size if more else 0)
        return {
            "expired": expired,
            "stopped": stopped,
            "proposed": proposed,
            "retried": retried,
            "executed": executed,
            "more": more,
        }

    @api.model
    def _retry_transient(self, batch_size):
        """Retry, as the operator, the failures marked transient whose backoff has passed."""
        return self._retry_due(batch_size, lambda action: action.action_retry())

    @api.model
    def _retry_due(self, batch_size, retry):
        due = self.search(
            [("state", "=", FAILED), ("retry_at", "!=", False), ("retry_at", "<=", fields.Datetime.now())],
            limit=batch_size,
        )
        operator = self.env["res.users"].browse(operator_id(self.env))
        retried = self.browse()
        for action in due:
            try:
                with self.env.cr.savepoint():
                    retry(action.with_user(operator).with_company(action.company_id))
            except (UserError, AccessError) as error:
                _logger.info("AI COO: retry of action %s skipped: %s", action.id, error)
                action._engine().write({"retry_at": False})
                continue
            retried |= action
        return retried

    @api.model
    def _expire_stale(self, batch_size):
        stale = self.search(
            [("state", "=", PENDING), ("expires_at", "!=", False), ("expires_at", "<", fields.Datetime.now())],
            limit=batch_size,
        )
        stale._expire()
        return stale

    @api.model
    def _auto_execute_pending(self, batch_size, now=None):
        """Execute, as the operator, the pending low-risk actions that the autonomy policy allows."""
        operator = self.env["res.users"].browse(operator_id(self.env))
        candidates = self.search([("state", "=", PENDING), ("risk_level", "=", "low")], limit=batch_size)
        executed = self.browse()
        for action in candidates:
            try:
                if action._policy()._auto_refusal(action, now):
                    continue
                with self.env.cr.savepoint():
                    action.with_user(operator).with_company(action.company_id).action_approve()
            except (UserError, AccessError, ValidationError) as error:
                # E.g. a person approved it meanwhile: the next action must not wait for this one.
                _logger.info("AI COO: automatic execution of action %s skipped: %s", action.id, error)
                continue
            executed |= action
        return executed

    # ------------------------------------------------------------------ chatter

    def _track_subtype(self, init_values):
        self.ensure_one()
        if "state" in init_values:
            # Followers hear of failures and rejections; executions are logged (the inbox shows them).
            subtype = {
                FAILED: "aiom_coo.mt_action_failed",
                REJECTED: "aiom_coo.mt_action_rejected",
            }.get(self.state)
            if subtype:
                return self.env.ref(subtype)
        return super()._track_subtype(init_values)


class _LockedRowQuery(Query):
    """The action's row, locked against concurrent approvals; NOWAIT: a busy row fails at once."""

    def select(self, *args):
        return SQL("%s FOR UPDATE OF %s NOWAIT", super().select(*args), SQL.identifier(self.table))


def plan_fingerprint(plan, target_model, target_res_id):
    """A hash of what was proposed (steps and target): what the approver approves."""
    canonical = json.dumps(
        {"steps": plan, "target": [target_model or None, target_res_id or None]},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
