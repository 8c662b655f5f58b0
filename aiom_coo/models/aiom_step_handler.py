"""The step-type registry and what every step type shares.

Each step type lives in one file (``aiom_step_<type>.py``) that adds its :class:`StepType` to
``_step_types()`` and defines ``_normalize_<type>``, ``_execute_<type>`` and ``_summary_<type>``
(and, when it needs them, ``_problems_<type>``, ``_kept_<type>`` and ``_preview_<type>``, the
last dispatched by ``aiom_step_preview.py``).
Nothing else names a type: the selections, the API schema, the guardrails, the LLM prompt and
the inbox icons read this registry, and an unknown type is refused everywhere.

Normalisation is the single gate a step's parameters pass, at proposal and again, once references
are resolved, at execution: the JSON schema first, then the type's own checks, which convert
values through the fields' types, walk x2many commands to any depth and apply the built-in floor
(:mod:`..floor`) to every model, record and field reached. It records what the step reaches as
:class:`Touch` es, which the guardrail policy then judges, whatever the type.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.models import MAGIC_COLUMNS
from odoo.osv import expression

from .. import floor, limits
from ..exceptions import GuardrailViolation
from ..references import PATH, find_references, is_whole_reference
from ..schema import schema_problem
from ..utils import json_value

STEP_NAME = re.compile(r"^[A-Za-z_]\w{0,63}$")
RISKS = ("low", "medium", "high")
INTEGER = re.compile(r"^\s*-?\d{1,18}\s*$")
NUMBER = re.compile(r"^\s*-?\d{1,18}(\.\d+)?\s*$")

# Schema pieces the step types share.
REFERENCE_SCHEMA = {
    "type": "string",
    "pattern": r"^\s*\{\{\s*" + PATH + r"\s*\}\}\s*$",
    "description": "A reference to an earlier step's result or the target, e.g. {{ steps.create_contact.record_id }}",
}
MODEL_SCHEMA = {
    "type": "string",
    "minLength": 1,
    "maxLength": 64,
    "description": "Technical model name, e.g. res.partner",
}
RECORD_ID_SCHEMA = {"anyOf": [{"type": "integer", "minimum": 1}, REFERENCE_SCHEMA]}
VALUES_SCHEMA = {
    "type": "object",
    "maxProperties": limits.MAX_VALUES,
    "description": "Field name -> value; many2one as an id, x2many as a list of commands "
    "[0, 0, {values}], [1, id, {values}], [4, id], [6, 0, [ids]], [3, id] (many2many only)",
}
DOMAIN_SCHEMA = {
    "type": "array",
    "maxItems": 100,
    "description": "Odoo domain: [[field, operator, value], ...] with '&', '|', '!'",
}


def text_schema(max_length, description=None, required=True):
    schema = {"type": "string", "maxLength": max_length}
    if required:
        schema["minLength"] = 1
    if description:
        schema["description"] = description
    return schema


def step_parameters_schema(properties, required=()):
    return {"type": "object", "additionalProperties": False, "required": list(required), "properties": properties}


@dataclass(frozen=True)
class StepType:
    """What the engine, the guardrails, the API and the inbox know of one step type."""

    label: str
    icon: str  # Font Awesome class shown on cards and in the plan
    schema: dict  # JSON schema of the parameters: validation, API, LLM and tools read it
    operation: str  # what guardrail rules call it (create, update, search, message, activity, email)
    deferred: bool = False  # has outside effects: runs after every ORM step succeeded
    automatic: bool = True  # a policy may let it run without a person
    auto_default: bool = False  # ...and a new policy does
    texts: tuple = ()  # parameters holding words for people (an LLM may reword them)
    private_result: tuple = ()  # result keys kept on the step only (proposer and approvers read them)


@dataclass
class Touch:
    """One thing a step reaches: the guardrail policy judges these, whatever the step type."""

    operation: str  # create, update, search, read, link, message, activity, email
    model: str | None = None
    ids: list | None = None
    domain: list | None = None
    values: dict | None = None
    limit: int | None = None
    recipients: list = field(default_factory=list)
    sender: str | None = None
    reply_to: str | None = None
    risk: str = "low"


class StepCheck:
    """Normalising one step: who proposed it, whether references are resolved yet, what it reaches."""

    def __init__(self, env, proposer, company, resolved, reads=None, label=None):
        self.env = env
        self.proposer = proposer
        # Reads and links are checked as the proposer: nothing in a plan reaches what they cannot read.
        self.proposer_env = proposer_env(env, proposer, company)
        self.resolved = resolved
        self.touches = []
        # At proposal, the records a plan names are checked together, one query per model
        # (``AiomStepHandler._verify_reads``): (model, id) -> labels of the steps naming it.
        self.reads = reads
        self.label = label

    def reference(self, value):
        """True for a reference still to be resolved (at proposal); at execution nothing is one."""
        return not self.resolved and is_whole_reference(value)

    def holds_reference(self, value):
        return not self.resolved and any(True for _path in find_references(value))

    def touch(self, operation, **values):
        self.touches.append(Touch(operation, **values))


def proposer_env(env, proposer, company):
    """``env`` as the proposer, in the action's company when they belong to it: their own rights."""
    as_proposer = env(user=proposer.id, su=False)
    # Their companies as Odoo itself knows them (``env.user``, cached per user): reading
    # ``proposer.company_ids`` with the caller's rights costs five queries per execution.
    user = as_proposer.user
    companies = company if company.id in user._get_company_ids() else user.company_id
    return as_proposer(context=dict(env.context, allowed_company_ids=companies.ids))


class AiomStepHandler(models.AbstractModel):
    _name = "aiom.step.handler"
    _description = "AI COO step types"

    # ------------------------------------------------------------------ registry

    @api.model
    def _step_types(self):
        """Step type code -> :class:`StepType`; each type's file adds its own entry."""
        return {}

    @api.model
    def _step_type(self, action_type):
        spec = self._step_types().get(action_type) if isinstance(action_type, str) else None
        if spec is None:
            raise ValidationError(self.env._("Unknown step type %r.", action_type))
        return spec

    @api.model
    def _selection(self):
        return [(code, str(spec.label)) for code, spec in self._step_types().items()]

    @api.model
    def _step_schema(self, action_type):
        """JSON schema of one step of ``action_type``: name, type and parameters."""
        return {
            "type": "object",
            "additionalProperties": False,
            "required": ["action_type", "parameters"],
            "description": str(self._step_type(action_type).label),
            "properties": {
                "name": {"type": "string", "pattern": STEP_NAME.pattern, "description": "Unique within the plan"},
                "action_type": {"type": "string", "enum": [action_type]},
                "parameters": self._step_type(action_type).schema,
            },
        }

    @api.model
    def _plan_schema(self):
        """JSON schema of a whole plan: the API documentation and agents' tools are made of it."""
        return {
            "type": "array",
            "minItems": 1,
            "maxItems": limits.MAX_STEPS,
            "items": {"anyOf": [self._step_schema(code) for code in self._step_types()]},
        }

    @api.model
    def _is_deferred(self, action_type):
        return self._step_type(action_type).deferred

    @api.model
    def _private_result(self, action_type):
        """Result keys only the proposer and approvers may read; unknown types keep nothing public."""
        spec = self._step_types().get(action_type)
        return spec.private_result if spec else ()

    # ------------------------------------------------------------------ plans and steps

    @api.model
    def _prepare_plan(self, plan, target, proposer, company, reads=None, label=None):
        """Check and normalise every step of ``plan`` (dicts with name, action_type, parameters) at
        proposal; return the normalised plan and the touches of each step.

        The records the steps name are checked as the proposer once the whole plan is read, one
        query per model; with ``reads``, the caller collects them over several plans and checks
        them itself (``_verify_reads``), each labelled ``(label, step name)``.
        """
        own_reads = reads is None
        reads = {} if own_reads else reads
        if len(plan) > limits.MAX_STEPS:
            raise ValidationError(self.env._("A plan has at most %s steps.", limits.MAX_STEPS))
        if len(json.dumps(plan, default=str)) > limits.MAX_PLAN_BYTES:
            raise ValidationError(self.env._("The plan is larger than %s bytes.", limits.MAX_PLAN_BYTES))
        prepared, touches, seen = [], [], set()
        for step in plan:
            name, action_type = step["name"], step["action_type"]
            if not isinstance(name, str) or not STEP_NAME.match(name):
                raise ValidationError(self.env._("Step name %r must be a short identifier (letters, digits, _).", name))
            if name in seen:
                raise ValidationError(self.env._("Step name %r is used twice.", name))
            if action_type not in self._step_types():
                raise ValidationError(
                    self.env._("Step %(name)r has unknown action type %(type)r.", name=name, type=action_type)
                )
            self._check_references(name, step["parameters"], seen, target)
            try:
                parameters, step_touches = self._prepare(
                    action_type, step["parameters"], proposer, company, reads=reads, label=(label, name)
                )
            except ValidationError as error:
                raise type(error)(self.env._("Step %(name)r: %(error)s", name=name, error=error.args[0])) from None
            prepared.append({"name": name, "action_type": action_type, "parameters": parameters})
            touches.append(step_touches)
            seen.add(name)
        if own_reads:
            self._raise_unreadable(self._verify_reads(reads, proposer, company), proposer)
        return prepared, touches

    @api.model
    def _verify_reads(self, reads, proposer, company):
        """The labels whose records (``reads``: (model, id) -> labels) the proposer may not read,
        as {label: (model, [ids])}: one query per model, whatever the number of records."""
        env = proposer_env(self.env, proposer, company)
        by_model = {}
        for model_name, record_id in reads:
            by_model.setdefault(model_name, []).append(record_id)
        hidden = {}
        for model_name, ids in by_model.items():
            readable = set(env[model_name].browse(ids).exists()._filtered_access("read").ids)
            for record_id in ids:
                if record_id not in readable:
                    for label in reads[(model_name, record_id)]:
                        hidden.setdefault(label, (model_name, []))[1].append(record_id)
        return hidden

    @api.model
    def _raise_unreadable(self, hidden, proposer):
        if not hidden:
            return
        (_plan, step), (model_name, ids) = next(iter(hidden.items()))
        if step is None:  # the action's target
            raise ValidationError(
                self.env._(
                    "Target %(model)s record %(id)r does not exist or you may not read it.", model=model_name, id=ids[0]
                )
            )
        message = self.env._(
            "%(model)s record(s) %(ids)s do not exist or %(user)s may not read them.",
            model=model_name,
            ids=", ".join(map(str, sorted(set(ids)))),
            user=proposer.name,
        )
        if step:
            message = self.env._("Step %(name)r: %(error)s", name=step, error=message)
        raise ValidationError(message)

    @api.model
    def _check_references(self, name, parameters, earlier, target):
        for path in find_references(parameters):
            root, _dot, rest = path.partition(".")
            if root == "steps" and rest.split(".")[0] not in earlier:
                raise ValidationError(
                    self.env._(
                        "Step %(name)r refers to {{ %(path)s }}, which is not an earlier step.", name=name, path=path
                    )
                )
            if root == "target" and target is None:
                raise ValidationError(
                    self.env._(
                        "Step %(name)r refers to {{ %(path)s }} but the action has no target.", name=name, path=path
                    )
                )
            if root not in ("steps", "target"):
                raise ValidationError(self.env._("Reference {{ %s }} must start with steps or target.", path))
            if root == "target":
                self._check_target_path(target, rest.split(".") if rest else [], path)

    @api.model
    def _check_target_path(self, target, parts, path):
        """At proposal: every hop of ``{{ target.a.b }}`` is a field the floor lets the proposer read."""
        model = target
        for part in parts:
            problem = self._read_problem(model, part, target.env)
            if problem:
                raise GuardrailViolation(
                    self.env._(
                        "Guardrail 'built-in: readable data': {{ %(path)s }} cannot be read: %(problem)s.",
                        path=path,
                        problem=problem,
                    )
                )
            comodel = model._fields[part].comodel_name
            if not comodel:
                return
            model = self.env[comodel]

    @api.model
    def _read_problem(self, model, field_name, env):
        """Why ``field_name`` of ``model`` is out of a plan's reach for the user of ``env``, or None."""
        if floor.model_is_denied(model):
            return self.env._("%s is a security or configuration model", model._name)
        model_field = model._fields.get(field_name)
        if model_field is None:
            return self.env._("%(model)s has no field %(field)r", model=model._name, field=field_name)
        problem = floor.readable_field_problem(model_field, env)
        if problem:
            return self.env._(
                "%(model)s.%(field)s is %(problem)s", model=model._name, field=field_name, problem=problem
            )
        if getattr(model_field, "comodel_name", None) and floor.model_is_denied(self.env[model_field.comodel_name]):
            return self.env._(
                "%(model)s.%(field)s leads to %(comodel)s, a security or configuration model",
                model=model._name,
                field=field_name,
                comodel=model_field.comodel_name,
            )
        return None

    @api.model
    def _prepare(self, action_type, parameters, proposer, company, resolved=False, reads=None, label=None):
        """Normalise one step's parameters; return them with what the step reaches (touches).

        Records the step names are checked at once as the proposer, or, given ``reads``, collected
        there under ``label`` for the caller to check (``_verify_reads``)."""
        spec = self._step_type(action_type)
        problem = schema_problem(parameters, spec.schema, "parameters")
        if problem:
            raise ValidationError(problem)
        check = StepCheck(self.env, proposer, company, resolved, reads=reads, label=label)
        normalized = getattr(self, f"_normalize_{action_type}")(dict(parameters), check)
        return normalized, check.touches

    @api.model
    def _execute(self, step, parameters):
        """Run ``step`` with the current user's rights and normalised ``parameters``; return its JSON result."""
        self._step_type(step.action_type)
        result = getattr(self, f"_execute_{step.action_type}")(step, parameters)
        # Results are stored as JSON: dates and recordsets become plain values.
        return json.loads(json.dumps(result, default=json_value))

    @api.model
    def _problems(self, actions):
        """What would stop ``actions`` from executing now ({action id: [texts]}), shown on proposals
        before anyone approves them. A step type says so with ``_problems_<type>(actions)``, called
        once per type with the actions whose plan holds it; the plans themselves are not read here."""
        by_type = {}
        for action_type, action in self.env["aiom.action.step"]._read_group(
            [("action_id", "in", actions.ids)], ["action_type", "action_id"]
        ):
            by_type[action_type] = by_type.get(action_type, actions.browse()) | action
        problems = {}
        for action_type, typed in by_type.items():
            check = getattr(self, f"_problems_{action_type}", None)
            for action_id, text in (check(typed) if check else {}).items():
                if text not in problems.setdefault(action_id, []):
                    problems[action_id].append(text)
        return problems

    @api.model
    def _kept(self, step, parameters, result):
        """After the action rolled back: what a deferred step did outside the database stays true
        (an accepted email); its type records it again with ``_kept_<type>(step, parameters, result)``."""
        kept = getattr(self, f"_kept_{step.action_type}", None)
        if kept is not None:
            kept(step, parameters, result)

    @api.model
    def _summary(self, step, result):
        """One readable line for the chatter about what ``step`` did."""
        summary = getattr(self, f"_summary_{step.action_type}", None)
        if summary is None or not result:
            return self.env._("%(step)s: done", step=step.name)
        return summary(step, result)

    # ------------------------------------------------------------------ shared normalisation

    @api.model
    def _model(self, name, check):
        """The model a step acts on: it exists and the floor lets plans act on it."""
        if not isinstance(name, str) or name not in self.env:
            raise ValidationError(self.env._("Model %r does not exist.", name))
        model = self.env[name]
        if floor.model_is_denied(model):
            raise GuardrailViolation(
                self.env._(
                    "Guardrail 'built-in: security and configuration models': model %r is not open to AI COO actions.",
                    name,
                )
            )
        return model

    @api.model
    def _readable_records(self, model_name, ids, check):
        """Check that each id is a record the proposer can read; the same message whether it is
        missing or hidden by a record rule, so that a proposal cannot probe what exists."""
        if check.reads is not None:
            for record_id in ids:
                check.reads.setdefault((model_name, record_id), []).append(check.label)
            return
        records = check.proposer_env[model_name].browse(ids)
        readable = records.exists()._filtered_access("read")
        hidden = [record_id for record_id in ids if record_id not in readable.ids]
        if hidden:
            raise ValidationError(
                self.env._(
                    "%(model)s record(s) %(ids)s do not exist or %(user)s may not read them.",
                    model=model_name,
                    ids=", ".join(map(str, hidden)),
                    user=check.proposer.name,
                )
            )

    @api.model
    def _record_id(self, value, model_name, check, key="res_id"):
        """A record id parameter: an int the proposer can read, or a reference (at proposal)."""
        if check.reference(value):
            return value
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ValidationError(self.env._("Parameter %r must be a record id.", key))
        self._readable_records(model_name, [value], check)
        return value

    @api.model
    def _record_ids(self, value, model_name, check, key="ids"):
        """A list of record ids the proposer can read (items may be references at proposal)."""
        if check.reference(value):
            return value
        if not isinstance(value, list) or not value or len(value) > limits.MAX_IDS:
            raise ValidationError(
                self.env._("Parameter %(key)r must list 1 to %(max)s record ids.", key=key, max=limits.MAX_IDS)
            )
        concrete = [item for item in value if not check.reference(item)]
        if not all(isinstance(item, int) and not isinstance(item, bool) and item > 0 for item in concrete):
            raise ValidationError(self.env._("Parameter %r must be a list of record ids.", key))
        if concrete:
            self._readable_records(model_name, sorted(set(concrete)), check)
        return value

    @api.model
    def _values(self, model, values, check, operation, ids=None, depth=0, domain=None):
        """Field values for ``operation`` (create or update) on ``model``, normalised field by field;
        x2many commands are walked to any depth, each level recorded as a touch."""
        if not isinstance(values, dict) or not values:
            raise ValidationError(self.env._("Values for %s must be a non-empty JSON object.", model._name))
        if len(values) > limits.MAX_VALUES:
            raise ValidationError(self.env._("At most %s fields per record.", limits.MAX_VALUES))
        normalized = {}
        for name, value in values.items():
            model_field = self._writable_field(model, name, check)
            if check.reference(value):
                normalized[name] = value
            else:
                normalized[name] = self._field_value(model, model_field, value, check, depth)
        check.touch(operation, model=model._name, ids=ids, domain=domain, values=normalized)
        return normalized

    @api.model
    def _writable_field(self, model, name, check):
        model_field = model._fields.get(name) if isinstance(name, str) else None
        if model_field is None:
            raise ValidationError(self.env._("%(model)s has no field %(field)r.", model=model._name, field=name))
        if floor.grants_rights(model_field):
            raise GuardrailViolation(
                self.env._(
                    "Guardrail 'built-in: rights-granting fields': field %(field)r of %(model)s is not open to "
                    "AI COO actions.",
                    field=name,
                    model=model._name,
                )
            )
        if not model_field.is_accessible(check.proposer_env):
            raise GuardrailViolation(
                self.env._(
                    "Guardrail 'built-in: readable data': field %(field)r of %(model)s is restricted to groups "
                    "%(user)s is not in.",
                    field=name,
                    model=model._name,
                    user=check.proposer.name,
                )
            )
        # Computed fields are writable when they have an inverse or are stored and editable.
        computed_only = (
            model_field.compute and not model_field.inverse and (model_field.readonly or not model_field.store)
        )
        if name in MAGIC_COLUMNS or computed_only or model_field.type not in floor.WRITABLE_TYPES:
            raise ValidationError(
                self.env._("Field %(field)r of %(model)s cannot be written.", model=model._name, field=name)
            )
        return model_field

    @api.model
    def _field_value(self, model, model_field, value, check, depth):
        """``value`` converted to what ``model_field`` stores; refuses what it cannot be."""
        kind = model_field.type
        label = f"{model._name}.{model_field.name}"
        if value is False or value is None:
            if kind in ("one2many", "many2many"):
                raise ValidationError(self.env._("%s takes a list of commands.", label))
            return False
        if kind in ("char", "text", "html"):
            maximum = limits.MAX_HTML if kind == "html" else (model_field.size or limits.MAX_TEXT)
            if not isinstance(value, str) or len(value) > maximum:
                raise ValidationError(
                    self.env._("%(field)s must be a text of at most %(max)s characters.", field=label, max=maximum)
                )
            return value
        if kind == "integer":
            return self._number(value, label, int, INTEGER)
        if kind in ("float", "monetary"):
            return self._number(value, label, float, NUMBER)
        if kind == "boolean":
            if not isinstance(value, bool):
                raise ValidationError(self.env._("%s must be true or false.", label))
            return value
        if kind in ("date", "datetime"):
            return self._date_value(value, label, kind)
        if kind == "selection":
            allowed = [key for key, _label in model_field._description_selection(self.env)]
            if value not in allowed:
                raise ValidationError(
                    self.env._("%(field)s must be one of %(values)s.", field=label, values=", ".join(map(str, allowed)))
                )
            return value
        if kind == "many2one":
            record_id = self._record_id(value, model_field.comodel_name, check, model_field.name)
            check.touch("link", model=model_field.comodel_name, ids=[record_id])
            return record_id
        return self._commands(model, model_field, value, check, depth)

    @api.model
    def _number(self, value, label, kind, pattern):
        # Numbers sent as text ("99999999") become numbers here, so value limits see them.
        if isinstance(value, str) and pattern.match(value):
            value = kind(value)
        valid = isinstance(value, (int, float)) and not isinstance(value, bool)
        if kind is int and isinstance(value, float) and value.is_integer():
            value = int(value)
        if not valid or (kind is int and not isinstance(value, int)) or value != value or abs(value) > 1e15:
            raise ValidationError(self.env._("%s must be a number.", label))
        return kind(value)

    @api.model
    def _date_value(self, value, label, kind):
        try:
            if not isinstance(value, str):
                raise ValueError(value)
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(
                self.env._("%s must be a date (YYYY-MM-DD) or a date and time (YYYY-MM-DD HH:MM:SS).", label)
            ) from None
        if kind == "date":
            return fields.Date.to_string(parsed.date() if isinstance(parsed, datetime) else parsed)
        if parsed.tzinfo:
            parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
        return fields.Datetime.to_string(parsed)

    @api.model
    def _commands(self, model, model_field, value, check, depth):
        """x2many commands, each checked for the records it creates, changes or links."""
        comodel = self.env[model_field.comodel_name]
        label = f"{model._name}.{model_field.name}"
        if not isinstance(value, list) or len(value) > limits.MAX_IDS:
            raise ValidationError(self.env._("%s takes a list of commands.", label))
        if value and all(isinstance(item, int) and not isinstance(item, bool) for item in value):
            value = [[fields.Command.SET, 0, value]]  # a plain list of ids sets the relation
        one2many = model_field.type == "one2many"
        commands = []
        for command in value:
            if not isinstance(command, (list, tuple)) or not command or command[0] not in (0, 1, 3, 4, 6):
                raise ValidationError(
                    self.env._(
                        "%(field)s: command %(command)r is not supported (use [0, 0, {values}], [1, id, {values}], "
                        "[4, id], [6, 0, [ids]] or, on many2many, [3, id]).",
                        field=label,
                        command=command,
                    )
                )
            code = command[0]
            writes_comodel = code in (0, 1) or one2many
            if writes_comodel and floor.model_is_denied(comodel):
                raise GuardrailViolation(
                    self.env._(
                        "Guardrail 'built-in: security and configuration models': %(field)s would write %(model)s "
                        "records.",
                        field=label,
                        model=comodel._name,
                    )
                )
            if code in (0, 1):
                if len(command) != 3 or depth + 1 > limits.MAX_DEPTH:
                    raise ValidationError(
                        self.env._(
                            "%(field)s: commands [0|1, id, {values}] nest at most %(max)s levels.",
                            field=label,
                            max=limits.MAX_DEPTH,
                        )
                    )
                ids = None
                if code == 1:
                    ids = [self._record_id(command[1], comodel._name, check, model_field.name)]
                values = self._values(comodel, command[2], check, "create" if code == 0 else "update", ids, depth + 1)
                commands.append([code, command[1] if code == 1 else 0, values])
            elif code == 6:
                if one2many or len(command) != 3:
                    raise ValidationError(self.env._("%s: [6, 0, [ids]] is for many2many fields only.", label))
                ids = self._record_ids(command[2], comodel._name, check, model_field.name) if command[2] else []
                check.touch("link", model=comodel._name, ids=ids)
                commands.append([6, 0, ids])
            else:
                if len(command) != 2 or (code == 3 and one2many):
                    raise ValidationError(
                        self.env._("%(field)s: command %(command)r is not supported.", field=label, command=command)
                    )
                record_id = self._record_id(command[1], comodel._name, check, model_field.name)
                # Linking to a one2many re-parents the linked record: that is a change to it.
                check.touch("update" if one2many else "link", model=comodel._name, ids=[record_id])
                commands.append([code, record_id])
        return commands

    @api.model
    def _domain(self, model, domain, check):
        """A search domain whose every field path the floor lets the proposer read."""
        if not isinstance(domain, list):
            raise ValidationError(self.env._("Parameter 'domain' must be a list."))
        try:
            for leaf in expression.normalize_domain(domain):
                if leaf in (expression.TRUE_LEAF, expression.FALSE_LEAF):
                    continue
                if isinstance(leaf, (list, tuple)):
                    self._domain_leaf(model, leaf, check)
                elif leaf not in expression.DOMAIN_OPERATORS:
                    raise ValueError(leaf)
        except (ValueError, TypeError, AssertionError) as error:
            raise ValidationError(
                self.env._("Invalid domain %(domain)s: %(error)s", domain=domain, error=error)
            ) from None
        return domain

    @api.model
    def _domain_leaf(self, model, leaf, check):
        if len(leaf) != 3 or not isinstance(leaf[0], str) or leaf[1] not in expression.TERM_OPERATORS:
            raise ValueError(leaf)
        if leaf[1] in ("any", "not any", "child_of", "parent_of"):
            raise ValidationError(self.env._("Domain operator %r is not supported in AI COO plans.", leaf[1]))
        value = leaf[2]
        flat = value if isinstance(value, list) else [value]
        if not all(item is None or isinstance(item, (str, int, float, bool)) for item in flat):
            raise ValueError(leaf)
        current = model
        for part in leaf[0].split("."):
            problem = self._read_problem(current, part, check.proposer_env)
            if problem:
                raise GuardrailViolation(
                    self.env._(
                        "Guardrail 'built-in: readable data': domain %(leaf)s: %(problem)s.",
                        leaf=list(leaf),
                        problem=problem,
                    )
                )
            comodel = current._fields[part].comodel_name
            current = self.env[comodel] if comodel else current

    @api.model
    def _readable_fields(self, model, names, check):
        if not isinstance(names, list) or not names or not all(isinstance(name, str) for name in names):
            raise ValidationError(self.env._("Parameter 'fields' must be a list of field names."))
        for name in names:
            problem = self._read_problem(model, name, check.proposer_env)
            if problem:
                raise GuardrailViolation(self.env._("Guardrail 'built-in: readable data': %s.", problem))
        return names

    @api.model
    def _text(self, parameters, key, maximum, required=True):
        value = parameters.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip() or len(value) > maximum:
            raise ValidationError(
                self.env._(
                    "Parameter %(key)r must be a non-empty text of at most %(max)s characters.", key=key, max=maximum
                )
            )
        return value

    @api.model
    def _chatter_record(self, parameters, check, capability):
        """The record a message or an activity lands on: a model with that capability, readable
        by the proposer."""
        model = self._model(parameters["model"], check)
        if not hasattr(model, capability):
            raise ValidationError(self.env._("%(model)s has no %(what)s.", model=model._name, what=capability))
        self._record_id(parameters["res_id"], model._name, check)
        return model

    @api.model
    def _browse_existing(self, model_name, res_id):
        record = self.env[model_name].browse(res_id)
        if not record.exists():
            raise UserError(self.env._("%(model)s record %(id)s does not exist any more.", model=model_name, id=res_id))
        return record
