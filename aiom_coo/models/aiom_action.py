import logging
import re
from datetime import datetime, timedelta, timezone

from markupsafe import Markup
from psycopg2 import OperationalError
from psycopg2.errors import LockNotAvailable, SerializationFailure

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..exceptions import GuardrailViolation, TransientStepError
from ..references import UnresolvedReference, find_references, resolve
from ..utils import has_nul, pretty_json, selection_business_models

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

# Every legal move of the state machine; anything else raises UserError.
TRANSITIONS = {
    PENDING: {APPROVED, REJECTED, CANCELLED, EXPIRED},
    APPROVED: {EXECUTED, FAILED},
    FAILED: {APPROVED},
}

ACTION_TYPES = [
    ("odoo_create", "Create a record"),
    ("odoo_update", "Update records"),
    ("odoo_search", "Search records"),
    ("email_send", "Send an email"),
    ("message_post", "Post a message"),
    ("activity_schedule", "Schedule an activity"),
    ("workflow", "Workflow (several steps)"),
]

# Transient failures (a provider's 429/5xx) are retried by the brain loop after 5, 10, 20 minutes.
MAX_AUTOMATIC_ATTEMPTS = 4
RETRY_BACKOFF = timedelta(minutes=5)

STEP_NAME = re.compile(r"^[A-Za-z_]\w{0,63}$")

# Fields that only the engine writes. Approvers have write access to actions (to decide on them),
# so without this a JSON-RPC client could write state='executed' or a forged result directly.
PROTECTED_FIELDS = {
    "state",
    "analyzer_id",
    "retry_at",
    "proposed_by_id",
    "approved_by_id",
    "approved_date",
    "rejected_by_id",
    "executed_date",
    "result",
    "error_message",
    "attempt_count",
    "llm_drafted",
}
PLAN_FIELDS = {"action_type", "parameters", "step_ids"}
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
}

# An object cannot travel through JSON-RPC, so only server code can hold this context key.
ENGINE = object()


class AiomAction(models.Model):
    _name = "aiom.action"
    _description = "AI COO action"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "priority desc, expected_value desc, create_date desc, id desc"
    # Proposers (read-only on actions) may still comment on them.
    _mail_post_access = "read"

    name = fields.Char(required=True, tracking=True)
    action_type = fields.Selection(ACTION_TYPES, required=True, default="odoo_create")
    parameters = fields.Json(help="Parameters of a single-step action.")
    step_ids = fields.One2many("aiom.action.step", "action_id", string="Plan", copy=True)
    step_count = fields.Integer(compute="_compute_step_count")
    state = fields.Selection(STATES, default=PENDING, required=True, readonly=True, tracking=True, index=True)
    source = fields.Selection(
        [("manual", "Manual"), ("api", "API"), ("analyzer", "Analyzer"), ("recommender", "Recommender")],
        default="manual",
        required=True,
    )
    rationale = fields.Text()
    llm_drafted = fields.Boolean(
        string="Drafted by an LLM",
        readonly=True,
        help="The wording (rationale, email and activity texts) was drafted by the configured LLM; "
        "the plan itself is the rule-based one and passed the same guardrails.",
    )
    confidence = fields.Float(digits=(3, 2), default=0.5)
    risk_level = fields.Selection(
        [("low", "Low"), ("medium", "Medium"), ("high", "High")], default="medium", required=True, tracking=True
    )
    priority = fields.Selection([("0", "Normal"), ("1", "Important"), ("2", "High"), ("3", "Urgent")], default="0")
    target_model = fields.Char(index=True)
    target_res_id = fields.Integer(index=True)
    target_ref = fields.Reference(selection=selection_business_models, compute="_compute_target_ref", string="Target")
    agent = fields.Char(index=True)
    proposed_by_id = fields.Many2one(
        "res.users", readonly=True, tracking=True, default=lambda self: self.env.user, ondelete="set null"
    )
    approved_by_id = fields.Many2one("res.users", readonly=True, tracking=True, ondelete="set null")
    rejected_by_id = fields.Many2one("res.users", readonly=True, tracking=True, ondelete="set null")
    approved_date = fields.Datetime(readonly=True)
    executed_date = fields.Datetime(readonly=True)
    reject_reason = fields.Text(readonly=True)
    result = fields.Json(readonly=True)
    result_display = fields.Text(string="Result (JSON)", compute="_compute_result_display")
    error_message = fields.Text(readonly=True)
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
            "idempotency_key_company_unique",
            "UNIQUE(company_id, idempotency_key)",
            "An action with this idempotency key already exists in this company.",
        ),
        ("confidence_range", "CHECK(confidence >= 0 AND confidence <= 1)", "Confidence must be between 0 and 1."),
    ]

    # ------------------------------------------------------------------ computes

    @api.depends("target_model", "target_res_id")
    def _compute_target_ref(self):
        for action in self:
            has_target = action.target_model in self.env and action.target_res_id
            action.target_ref = f"{action.target_model},{action.target_res_id}" if has_target else False

    @api.depends("result")
    def _compute_result_display(self):
        for action in self:
            action.result_display = pretty_json(action.result)

    @api.depends("step_ids")
    def _compute_step_count(self):
        for action in self:
            action.step_count = len(action.step_ids)

    # ------------------------------------------------------------------ protection

    def _engine(self):
        return self.with_context(aiom_engine=ENGINE)

    def _is_engine(self):
        return self.env.context.get("aiom_engine") is ENGINE

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not self._is_engine():
                self._check_not_protected(vals)
            if not vals.get("step_ids") and vals.get("action_type", "odoo_create") != "workflow":
                # A single-step action created from the form gets its one step here.
                step = self._single_step_vals(vals.get("action_type", "odoo_create"), vals.get("parameters"))
                vals["step_ids"] = [fields.Command.create(step)]
        return super().create(vals_list)

    def write(self, vals):
        if not self._is_engine():
            self._check_not_protected(vals)
            if PLAN_FIELDS & set(vals) and any(action.state != PENDING for action in self):
                raise UserError(self.env._("Only a pending action's plan can be changed."))
        result = super().write(vals)
        if "parameters" in vals or "action_type" in vals:
            for action in self.filtered(lambda a: a.action_type != "workflow" and len(a.step_ids) == 1):
                action.step_ids.write(self._single_step_vals(action.action_type, action.parameters))
        return result

    def _check_not_protected(self, vals):
        protected = PROTECTED_FIELDS & set(vals)
        if protected:
            raise AccessError(
                self.env._(
                    "Fields %s are set by the AI COO engine only; use the action's buttons or methods.",
                    ", ".join(sorted(protected)),
                )
            )

    @api.model
    def _single_step_vals(self, action_type, parameters):
        """The one step of a single-step action, named after its type."""
        return {"name": action_type, "action_type": action_type, "parameters": parameters or {}}

    # ------------------------------------------------------------------ proposal

    @api.model
    @api.returns("self", lambda action: action.id)
    def propose(self, vals):
        """Validate a proposal, apply idempotency and guardrails, and store it.

        A plan that violates a guardrail is stored as ``blocked`` with the reason; a malformed one
        raises ValidationError and stores nothing.
        """
        if not isinstance(vals, dict):
            raise ValidationError(self.env._("A proposal must be a JSON object."))
        if has_nul(vals):
            raise ValidationError(self.env._("A proposal cannot contain NUL characters."))
        unknown = set(vals) - PROPOSAL_KEYS
        if unknown:
            raise ValidationError(self.env._("Unknown proposal fields: %s.", ", ".join(sorted(unknown))))
        vals = dict(vals)
        company_id = vals.get("company_id") or self.env.company.id
        key = vals.get("idempotency_key")
        if key:
            existing = self.search([("idempotency_key", "=", key), ("company_id", "=", company_id)], limit=1)
            if existing:
                return existing
        self._take_target(vals)
        plan = self._plan_from_vals(vals)
        self._check_proposal_values(vals)
        error = None
        policy = self.env["aiom.guardrail.policy"]._for_company(self.env["res.company"].browse(company_id))
        try:
            self._validate_plan(plan, vals.get("target_model"), vals.get("target_res_id"))
            if vals.get("source") != "analyzer":
                # The brain loop's analyzers are bounded by their findings and batches, not by a rate.
                policy._check_agent_rate(vals.get("agent"))
            vals["risk_level"] = policy._check_plan(plan, vals.get("risk_level", "medium"))
        except GuardrailViolation as violation:
            error = violation.args[0]
        create_vals = {
            **vals,
            "company_id": company_id,
            "action_type": plan[0]["action_type"] if len(plan) == 1 else "workflow",
            "parameters": plan[0]["parameters"] if len(plan) == 1 else False,
            "step_ids": [
                fields.Command.create({**step, "sequence": index}) for index, step in enumerate(plan, start=1)
            ],
            "proposed_by_id": self.env.user.id,
        }
        create_vals.pop("steps", None)
        if error:
            create_vals.update(state=BLOCKED, error_message=error)
        try:
            with self.env.cr.savepoint():
                action = self._engine().create(create_vals)
        except Exception:
            # Lost a race on the idempotency key: the other proposal wins.
            existing = key and self.search([("idempotency_key", "=", key), ("company_id", "=", company_id)], limit=1)
            if existing:
                return existing
            raise
        if error:
            action.message_post(body=self.env._("Blocked at proposal: %s", error))
        return self.browse(action.id)

    @api.model
    def _take_target(self, vals):
        target = vals.pop("target", None)
        if target is not None:
            if not isinstance(target, dict) or set(target) - {"model", "id"}:
                raise ValidationError(self.env._("'target' must be an object with 'model' and 'id'."))
            vals["target_model"], vals["target_res_id"] = target.get("model"), target.get("id")
        model, res_id = vals.get("target_model"), vals.get("target_res_id")
        if not model and not res_id:
            return
        if not isinstance(model, str) or model not in self.env:
            raise ValidationError(self.env._("Target model %r does not exist.", model))
        if not isinstance(res_id, int) or isinstance(res_id, bool) or not self.env[model].browse(res_id).exists():
            raise ValidationError(self.env._("Target %(model)s record %(id)r does not exist.", model=model, id=res_id))

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
        if vals.get("action_type") not in (None, "workflow") or vals.get("parameters"):
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
        for key in ("rationale", "agent", "idempotency_key", "target_model"):
            if vals.get(key) is not None and not isinstance(vals[key], str):
                raise ValidationError(self.env._("%r must be a text.", key))
        if vals.get("expires_at") is not None:
            vals["expires_at"] = self._parse_utc(vals["expires_at"], "expires_at")
        confidence = vals.get("confidence", 0.5)
        if not isinstance(confidence, (int, float)) or isinstance(confidence, bool) or not 0 <= confidence <= 1:
            raise ValidationError(self.env._("'confidence' must be a number between 0 and 1."))
        for key, field_name in (("risk_level", "risk_level"), ("priority", "priority"), ("source", "source")):
            allowed = [value for value, _label in self._fields[field_name].selection]
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

    @api.model
    def _validate_plan(self, plan, target_model=None, target_res_id=None):
        """Check each step's type, names, parameters and references (proposal and execution time)."""
        handler = self.env["aiom.step.handler"]
        known_types = {value for value, _label in self._fields["action_type"].selection} - {"workflow"}
        seen = set()
        for step in plan:
            name, action_type = step["name"], step["action_type"]
            if not isinstance(name, str) or not STEP_NAME.match(name):
                raise ValidationError(self.env._("Step name %r must be a short identifier (letters, digits, _).", name))
            if name in seen:
                raise ValidationError(self.env._("Step name %r is used twice.", name))
            if action_type not in known_types:
                raise ValidationError(
                    self.env._("Step %(name)r has unknown action type %(type)r.", name=name, type=action_type)
                )
            for path in find_references(step["parameters"]):
                root, _dot, rest = path.partition(".")
                if root == "steps" and rest.split(".")[0] not in seen:
                    raise ValidationError(
                        self.env._(
                            "Step %(name)r refers to {{ %(path)s }}, which is not an earlier step.",
                            name=name,
                            path=path,
                        )
                    )
                if root == "target" and not (target_model and target_res_id):
                    raise ValidationError(
                        self.env._(
                            "Step %(name)r refers to {{ %(path)s }} but the action has no target.", name=name, path=path
                        )
                    )
                if root not in ("steps", "target"):
                    raise ValidationError(self.env._("Reference {{ %s }} must start with steps or target.", path))
            try:
                handler.validate(action_type, step["parameters"])
            except ValidationError as error:
                raise type(error)(self.env._("Step %(name)r: %(error)s", name=name, error=error.args[0])) from None
            seen.add(name)

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

    def _check_approver(self):
        if not self.env.user.has_group("aiom_coo.group_aiom_approver"):
            raise AccessError(self.env._("Only AI COO approvers can approve, reject or retry actions."))

    def _check_may_execute(self):
        """Before executing: the kill switch and the four-eyes rule of the action's policy."""
        self.ensure_one()
        # System parameters are readable by administrators only; every approver obeys this one.
        if self.env["ir.config_parameter"].sudo().get_param("aiom_coo.autonomy_level") == "off":
            raise UserError(self.env._("AI COO execution is switched off (Settings > AI COO > Autonomy level: Off)."))
        self._policy()._check_approver(self, self.env.user)

    def _policy(self):
        return self.env["aiom.guardrail.policy"]._for_company(self.company_id)

    def _lock(self, expected_states):
        """Lock the action row so that concurrent approvals execute it once; re-check its state."""
        self.ensure_one()
        self.check_access("write")
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute("SELECT id FROM aiom_action WHERE id = %s FOR UPDATE NOWAIT", [self.id])
        except (LockNotAvailable, SerializationFailure):
            raise UserError(
                self.env._("%s is being processed by someone else right now. Reload to see its new state.", self.name)
            ) from None
        self.invalidate_recordset()
        if self.state not in expected_states:
            raise UserError(
                self.env._(
                    "%(name)s is already %(state)s: it can no longer be approved.",
                    name=self.name,
                    state=dict(STATES)[self.state].lower(),
                )
            )
        if self.expires_at and self.expires_at < fields.Datetime.now():
            raise UserError(self.env._("%s expired and can no longer be approved.", self.name))

    def action_approve(self):
        """Approve and execute at once, with the rights of the approving user."""
        return self._approve_from({PENDING})

    def action_retry(self):
        """Execute a failed action again; its earlier attempt left nothing behind."""
        return self._approve_from({FAILED})

    def _approve_from(self, states):
        self._check_approver()
        for action in self:
            action._check_may_execute()
            action._lock(states)
            action._approve_and_run()
        return True

    def action_reject(self, reason=None):
        self._check_approver()
        if reason is not None and not isinstance(reason, str):
            raise ValidationError(self.env._("The reason must be a text."))
        for action in self:
            action._lock({PENDING})
            action._change_state(REJECTED, rejected_by_id=self.env.uid, reject_reason=reason or False)
            body = self.env._("Rejected by %(user)s.", user=self.env.user.name)
            if reason:
                body = self.env._("Rejected by %(user)s: %(reason)s", user=self.env.user.name, reason=reason)
            action._track_set_log_message(Markup("<p>%s</p>") % body)
        return True

    def action_cancel(self):
        self._check_approver()
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
        self._run(
            {
                "approved_by_id": self.env.uid,
                "approved_date": fields.Datetime.now(),
                "attempt_count": self.attempt_count + 1,
                "error_message": False,
                "retry_at": False,
            }
        )

    # ------------------------------------------------------------------ execution

    def _target_record(self):
        if self.target_model in self.env and self.target_res_id:
            return self.env[self.target_model].browse(self.target_res_id).exists() or None
        return None

    def _run(self, approval):
        """Run every step in one savepoint: all ORM changes commit together or none remain.

        Deferred steps (email) run last, once every ORM step has succeeded, so a rolled-back action
        never emails.
        """
        self.ensure_one()
        handler = self.env["aiom.step.handler"]
        policy = self._policy()
        steps = self.step_ids.sorted("sequence")
        ordered = steps.filtered(lambda s: not handler.is_deferred(s.action_type)) + steps.filtered(
            lambda s: handler.is_deferred(s.action_type)
        )
        scope = {"steps": {}, "target": self._target_record()}
        results = {}
        # Results of deferred steps (emails accepted by SMTP2GO): a rollback cannot undo them.
        outside_effects = {}
        current = None
        try:
            with self.env.cr.savepoint():
                if self.analyzer_id:
                    self.analyzer_id._check_still_needed(self)
                for step in ordered:
                    current = step
                    parameters = resolve(step.parameters or {}, scope)
                    self._validate_plan(
                        [{"name": step.name, "action_type": step.action_type, "parameters": parameters}],
                        self.target_model,
                        self.target_res_id,
                    )
                    # The policy may have changed since the proposal: it is checked again now.
                    policy._check_execution(self, step.action_type, parameters)
                    results[step.name] = handler.execute(step, parameters)
                    scope["steps"][step.name] = results[step.name]
                    if handler.is_deferred(step.action_type):
                        outside_effects[step.name] = results[step.name]
                current = None
                self._post_target_note(steps, results)
        except OperationalError:
            # Lost connection, deadlock, serialization: let the transaction retry or fail as a whole.
            raise
        except Exception as error:  # noqa: BLE001 - any step error fails the action, never the caller
            # What left the database (an accepted email) stays true after the rollback.
            self._change_state(APPROVED, **approval)
            self._record_failure(steps, current, error, outside_effects)
            return False
        self._change_state(APPROVED, **approval)
        self._record_success(steps, results)
        return True

    def _record_success(self, steps, results):
        for step in steps:
            step._engine().write({"state": "done", "result": results.get(step.name), "error_message": False})
        self._change_state(EXECUTED, executed_date=fields.Datetime.now(), result=results)
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
        return Markup("").join(
            Markup("<li>%s</li>") % self._step_summary(step, results.get(step.name) or {}) for step in steps
        )

    def _step_summary(self, step, result):
        """One readable line per step, with links to the records it touched."""
        kind = step.action_type
        if kind == "odoo_create":
            record = self.env[result["model"]].browse(result["record_id"])
            return Markup("%s %s") % (self.env._("Created %s", record._description), _link(record))
        if kind == "odoo_update":
            return self.env._(
                "Updated %(count)s %(model)s record(s)",
                count=result["count"],
                model=self.env[result["model"]]._description,
            )
        if kind == "odoo_search":
            return self.env._(
                "Found %(count)s %(model)s record(s)",
                count=result["count"],
                model=self.env[result["model"]]._description,
            )
        if kind == "message_post":
            message = self.env["mail.message"].browse(result["message_id"])
            record = self.env[message.model].browse(message.res_id)
            return Markup("%s %s") % (self.env._("Posted a message on"), _link(record))
        if kind == "activity_schedule":
            activity = self.env["mail.activity"].browse(result["activity_id"])
            record = self.env[activity.res_model].browse(activity.res_id)
            return Markup("%s %s") % (
                self.env._("Scheduled activity %r on", activity.summary or activity.activity_type_id.name),
                _link(record),
            )
        if kind == "email_send":
            text = self.env._(
                "Emailed %(subject)r to %(recipients)s (SMTP2GO email id %(email_id)s)",
                subject=result["subject"],
                recipients=", ".join(result["recipients"]),
                email_id=result["email_id"],
            )
            if result.get("already_sent"):
                text += " " + self.env._("(accepted in an earlier attempt, not sent again)")
            return text
        return self.env._("%(step)s: done", step=step.name)

    def _post_target_note(self, steps, results):
        """Tell the target record what was done to it, with a link back to the action."""
        target = self._target_record()
        if target is None or not hasattr(target, "message_post"):
            return
        header = Markup("%s %s") % (self.env._("AI COO action executed by %s:", self.env.user.name), _link(self))
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
        proposed = self.env["aiom.analyzer"].search([])._run(batch_size)
        retried = self._retry_transient(batch_size)
        executed = self._auto_execute_pending(batch_size)
        done = len(expired) + len(stopped) + len(proposed) + len(retried) + len(executed)
        # A full batch of new proposals means more findings may wait: ask for another round.
        self.env["ir.cron"]._notify_progress(done=done, remaining=batch_size if len(proposed) >= batch_size else 0)
        return {"expired": expired, "stopped": stopped, "proposed": proposed, "retried": retried, "executed": executed}

    @api.model
    def _retry_transient(self, batch_size):
        """Retry, as the operator, the failures marked transient whose backoff has passed."""
        due = self.search(
            [("state", "=", FAILED), ("retry_at", "!=", False), ("retry_at", "<=", fields.Datetime.now())],
            limit=batch_size,
        )
        operator = self.env.ref("aiom_coo.user_aiom_operator")
        retried = self.browse()
        for action in due:
            try:
                with self.env.cr.savepoint():
                    action.with_user(operator).with_company(action.company_id).action_retry()
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
        operator = self.env.ref("aiom_coo.user_aiom_operator")
        candidates = self.search([("state", "=", PENDING), ("risk_level", "=", "low")], limit=batch_size)
        executed = self.browse()
        for action in candidates:
            if action._policy()._auto_refusal(action, now):
                continue
            try:
                with self.env.cr.savepoint():
                    action.with_user(operator).with_company(action.company_id).action_approve()
            except (UserError, AccessError) as error:
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


def _link(record):
    return Markup('<a href="/odoo/%s/%s">%s</a>') % (record._name, record.id, record.display_name)
