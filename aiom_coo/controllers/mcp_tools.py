"""The MCP tools and resources of ``/aiom/mcp``: what an AI agent may do with the AI COO.

Reads go through the same normalisation as an ``odoo_search`` step (the step handler's ``_model``,
``_domain``, ``_readable_fields``: the built-in floor, the key user's rights) and the company's
guardrail policy; every write is a proposal through ``aiom.action.propose`` with source ``mcp``.
No tool approves: people approve in the Action Inbox. Tool schemas are made from the step-type
registry, so a new step type is a new part of ``propose_action`` with nothing to add here.
"""

import json
import re

from odoo.exceptions import AccessError, MissingError, UserError, ValidationError

from .. import floor, limits
from ..mcp import tool_result
from ..models.aiom_step_handler import MODEL_SCHEMA, RISKS, StepCheck, Touch, text_schema
from ..schema import schema_problem
from ..utils import has_nul, json_value
from .api import _action, search_actions
from .serialize import action_to_dict

RULE = re.compile(r"Guardrail '([^']+)'")
ID_SCHEMA = {"type": "integer", "minimum": 1}
NULLABLE_TEXT = {"type": ["string", "null"]}
ACTION_SCHEMA = {
    "type": "object",
    "required": ["id", "name", "state", "steps"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "state": {"type": "string"},
        "action_type": {"type": "string"},
        "source": {"type": "string"},
        "agent": NULLABLE_TEXT,
        "risk_level": {"type": "string"},
        "error_message": NULLABLE_TEXT,
        "target": {"type": ["object", "null"]},
        "steps": {"type": "array", "items": {"type": "object"}},
    },
}
REFUSED = (UserError, AccessError, ValidationError, MissingError)  # GuardrailViolation is a ValidationError


class McpTools:
    """The tools of one request, acting as its authenticated user, as ``agent``."""

    def __init__(self, env, agent):
        self.env = env
        self.agent = agent
        self.handler = env["aiom.step.handler"]

    # ------------------------------------------------------------------ catalogue

    def definitions(self):
        """``tools/list``: name, description, input and output schemas, hints."""
        search = self.handler._step_type("odoo_search").schema
        plan = {
            **self.handler._plan_schema(),
            "description": "The plan: one step, or several run in order (a workflow); a text parameter may refer "
            "to an earlier step's result, {{ steps.NAME.record_id }}, or to the target, {{ target.FIELD }}.",
        }
        read_only = {"readOnlyHint": True, "destructiveHint": False, "idempotentHint": True, "openWorldHint": False}
        return [
            {
                "name": "search_records",
                "title": "Search records",
                "description": "Search business records (e.g. res.partner) as the API key's user, within "
                "the built-in floor (no security or configuration models) and the guardrail policy's search limit.",
                "inputSchema": {
                    **search,
                    "properties": {
                        **search["properties"],
                        "offset": {"type": "integer", "minimum": 0, "description": "Records to skip"},
                    },
                },
                "outputSchema": {
                    "type": "object",
                    "required": ["model", "count", "records"],
                    "properties": {
                        "model": {"type": "string"},
                        "count": {"type": "integer", "description": "Records matching the domain"},
                        "records": {"type": "array", "items": {"type": "object"}},
                    },
                },
                "annotations": read_only,
            },
            {
                "name": "read_record",
                "title": "Read a record",
                "description": "Read one record's fields (default: every field you may read; relations as "
                "{id, display_name}).",
                "inputSchema": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["model", "id"],
                    "properties": {
                        "model": MODEL_SCHEMA,
                        "id": ID_SCHEMA,
                        "fields": search["properties"]["fields"],
                    },
                },
                "outputSchema": {
                    "type": "object",
                    "required": ["model", "record"],
                    "properties": {"model": {"type": "string"}, "record": {"type": "object"}},
                },
                "annotations": read_only,
            },
            {
                "name": "propose_action",
                "title": "Propose an action",
                "description": "Propose a business action for a person to approve in the AI COO's Action Inbox. "
                "Nothing is executed now. A proposal the guardrails forbid is stored as blocked, naming the rule "
                "(call explain_guardrails to plan within them).",
                "inputSchema": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name", "steps"],
                    "properties": {
                        "name": text_schema(limits.MAX_NAME, "One line: what the action does (the card's title)"),
                        "steps": plan,
                        "target": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["model", "id"],
                            "properties": {"model": MODEL_SCHEMA, "id": ID_SCHEMA},
                            "description": "The business record the action is about",
                        },
                        "rationale": text_schema(limits.MAX_TEXT, "Why: what the approver reads", required=False),
                        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                        "risk_level": {"type": "string", "enum": list(RISKS)},
                        "priority": {"type": "string", "enum": ["0", "1", "2", "3"]},
                        "idempotency_key": text_schema(
                            limits.MAX_SHORT_TEXT, "Proposing again with the same key returns the first action"
                        ),
                        "expires_at": {
                            "type": "string",
                            "maxLength": 40,
                            "description": "ISO-8601, e.g. 2026-12-01T09:00:00Z",
                        },
                    },
                },
                "outputSchema": {
                    "type": "object",
                    "required": ["id", "state", "error_message"],
                    "properties": {
                        "id": {"type": "integer"},
                        "state": {"type": "string"},
                        "error_message": NULLABLE_TEXT,
                    },
                },
                "annotations": {
                    "readOnlyHint": False,
                    "destructiveHint": False,
                    "idempotentHint": False,
                    "openWorldHint": False,
                },
            },
            {
                "name": "get_action",
                "title": "Get an action",
                "description": "An action with its plan, state and result: poll it to see a person's decision.",
                "inputSchema": self._id_schema(),
                "outputSchema": ACTION_SCHEMA,
                "annotations": read_only,
            },
            {
                "name": "preview_action",
                "title": "Preview an action",
                "description": "What approving the action would change, step by step, in words (records by name, "
                "current -> new values), as the person approving it will read it; and what changed since it "
                "was proposed.",
                "inputSchema": self._id_schema(),
                "outputSchema": {
                    "type": "object",
                    "required": ["id", "state", "steps", "drift"],
                    "properties": {
                        "id": {"type": "integer"},
                        "state": {"type": "string"},
                        "steps": {"type": "array", "items": {"type": "object"}},
                        "drift": {"type": "array"},
                    },
                },
                "annotations": read_only,
            },
            {
                "name": "list_actions",
                "title": "List actions",
                "description": "Actions you may see, in the inbox's order, by state; mine=true for your own proposals.",
                "inputSchema": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "state": {
                            "anyOf": [
                                {"type": "string", "enum": self._states()},
                                {"type": "array", "minItems": 1, "items": {"type": "string", "enum": self._states()}},
                            ]
                        },
                        "mine": {"type": "boolean"},
                        "limit": {"type": "integer", "minimum": 1, "maximum": limits.SEARCH_LIMIT_MAX},
                        "offset": {"type": "integer", "minimum": 0},
                    },
                },
                "outputSchema": {
                    "type": "object",
                    "required": ["count", "actions"],
                    "properties": {"count": {"type": "integer"}, "actions": {"type": "array", "items": ACTION_SCHEMA}},
                },
                "annotations": read_only,
            },
            {
                "name": "cancel_action",
                "title": "Cancel a proposal",
                "description": "Withdraw one of your own pending proposals.",
                "inputSchema": self._id_schema(),
                "outputSchema": {
                    "type": "object",
                    "required": ["id", "state"],
                    "properties": {"id": {"type": "integer"}, "state": {"type": "string"}},
                },
                "annotations": {
                    "readOnlyHint": False,
                    "destructiveHint": True,
                    "idempotentHint": True,
                    "openWorldHint": False,
                },
            },
            {
                "name": "explain_guardrails",
                "title": "Explain the guardrails",
                "description": "What this company's guardrail policy lets an agent propose, and what runs "
                "without a person.",
                "inputSchema": {"type": "object", "additionalProperties": False, "properties": {}},
                "outputSchema": {"type": "object", "required": ["mode", "step_types"]},
                "annotations": read_only,
            },
        ]

    def _id_schema(self):
        return {"type": "object", "additionalProperties": False, "required": ["id"], "properties": {"id": ID_SCHEMA}}

    def _states(self):
        return [value for value, _label in self.env["aiom.action"]._fields["state"].selection]

    # ------------------------------------------------------------------ calling

    def call(self, name, arguments):
        """A ``tools/call`` result; refusals are results with ``isError`` naming the rule, and leave
        nothing changed (each call runs in a savepoint of its own). None for an unknown tool."""
        definition = next((tool for tool in self.definitions() if tool["name"] == name), None)
        if definition is None:
            return None
        try:
            with self.env.cr.savepoint():
                problem = schema_problem(arguments, definition["inputSchema"], "arguments")
                if problem:
                    raise ValidationError(problem)
                if has_nul(arguments):  # PostgreSQL stores no NUL characters
                    raise ValidationError(self.env._("The arguments contain a NUL character."))
                return getattr(self, f"_tool_{name}")(**arguments)
        except REFUSED as error:
            return refusal(error)

    def _check(self):
        return StepCheck(self.env, self.env.user, self.env.company, resolved=True)

    def _policy(self):
        return self.env["aiom.guardrail.policy"]._for_company(self.env.company)

    def _tool_search_records(self, offset=0, **parameters):
        parameters, touches = self.handler._prepare(
            "odoo_search", parameters, self.env.user, self.env.company, resolved=True
        )
        self._policy()._check_touches(touches, proposal=True)
        Model = self.env[parameters["model"]]
        records = Model.search(
            parameters["domain"], limit=parameters["limit"], offset=offset, order=parameters.get("order")
        )
        data = {
            "model": Model._name,
            "count": Model.search_count(parameters["domain"]),
            "records": self._rows(records, parameters["fields"]),
        }
        return tool_result(data)

    def _tool_read_record(self, model, id, fields=None):
        check = self._check()
        Model = self.handler._model(model, check)
        names = self.handler._readable_fields(Model, fields or self._default_fields(Model, check), check)
        self.handler._readable_records(Model._name, [id], check)
        touch = Touch("search", model=Model._name, domain=[("id", "=", id)], limit=1)
        self._policy()._check_touches([touch], proposal=True)
        return tool_result({"model": Model._name, "record": self._rows(Model.browse(id), ["id", *names])[0]})

    def _tool_propose_action(self, **vals):
        action = self.env["aiom.action"].propose({**vals, "source": "mcp", "agent": self.agent})
        data = {"id": action.id, "state": action.state, "error_message": action.error_message or None}
        if action.state == "blocked":
            return tool_result({**data, "rule": _rule(action.error_message)}, is_error=True)
        return tool_result(data)

    def _tool_get_action(self, id):
        return tool_result(action_to_dict(_action(id)))

    def _tool_preview_action(self, id):
        action = _action(id)
        return tool_result({"id": action.id, "state": action.state, **action.get_preview()[action.id]})

    def _tool_list_actions(self, state=None, mine=False, limit=None, offset=None):
        domain = [("proposed_by_id", "=", self.env.uid)] if mine else []
        return tool_result(search_actions(state, limit, offset, domain))

    def _tool_cancel_action(self, id):
        action = _action(id)
        if action.proposed_by_id != self.env.user:
            raise AccessError(self.env._("You can only cancel actions you proposed."))
        action.action_cancel()
        return tool_result({"id": action.id, "state": action.state})

    def _tool_explain_guardrails(self):
        return tool_result(self.guardrails())

    # ------------------------------------------------------------------ reading

    def _default_fields(self, Model, check):
        """Every field the floor lets the user read, relations to many records aside (they can be long)."""
        return [
            name
            for name, model_field in Model._fields.items()
            if model_field.type not in ("one2many", "many2many")
            and self.handler._read_problem(Model, name, check.proposer_env) is None
        ]

    def _rows(self, records, names):
        """``read()`` as the ORM presents it, relations as ``{id, display_name}`` and dates as text."""
        rows = records.read(names)
        for name in names:
            model_field = records._fields[name]
            if model_field.type == "many2one":
                for row in rows:
                    value = row[name]
                    row[name] = {"id": value[0], "display_name": value[1]} if value else None
            elif model_field.type in ("one2many", "many2many"):
                comodel = self.env[model_field.comodel_name]
                linked = comodel.browse({i for row in rows for i in row[name]})
                readable = linked._filtered_access("read")
                names_by_id = {record.id: record.display_name for record in readable}
                for row in rows:
                    row[name] = [{"id": i, "display_name": names_by_id.get(i)} for i in row[name]]
        return json.loads(json.dumps(rows, default=json_value))

    def guardrails(self):
        """What the company's policy (and the built-in floor under it) lets an agent do."""
        policy = self._policy()
        icp = self.env["ir.config_parameter"].sudo()  # system parameters: readable by admins only
        operations = ("create", "update", "search", "message", "activity")
        return {
            "company": self.env.company.name,
            "approval": self.env._("No tool approves: a person approves every proposal in the Action Inbox."),
            "autonomy_level": icp.get_param("aiom_coo.autonomy_level", "suggest"),
            "mode": policy.mode,
            "model_rules": [
                {
                    "model": rule.model_name,
                    "effect": rule.effect,
                    "operations": [operation for operation in operations if rule[f"allow_{operation}"]],
                    "writable_fields": sorted(rule._field_name_set()) if rule.field_names else None,
                }
                for rule in policy.rule_ids
            ],
            "value_limits": [
                {"model": limit.model_name, "field": limit.field_name, "above": limit.max_value, "effect": limit.effect}
                for limit in policy.value_limit_ids
            ],
            "max_update_records": policy.max_update_records,
            "max_search_records": policy.max_search_records,
            "email": {
                "max_recipients": policy.email_max_recipients,
                "allowed_domains": sorted(policy._allowed_domains()),
                "allowed_senders": sorted(policy._senders()),
                "daily_limit": policy.email_daily_limit,
            },
            "proposals_per_hour": {
                "per_agent": policy.agent_hourly_proposal_limit,
                "per_user": policy.user_hourly_proposal_limit,
            },
            "four_eyes_on_high_risk": policy.four_eyes,
            "high_risk_approvers": policy.high_risk_group_id.full_name or None,
            "automatic_execution": {
                "step_types": list(policy.auto_step_types or []),
                "confidence_threshold": icp.get_param("aiom_coo.auto_confidence_threshold", "0.9"),
                "business_hours": {
                    "from": policy.business_hour_from,
                    "to": policy.business_hour_to,
                    "weekdays_only": policy.business_weekdays_only,
                    "timezone": policy.tz,
                },
                "per_type_per_hour": policy.type_hourly_auto_limit,
            },
            "step_types": [
                {
                    "action_type": code,
                    "label": str(spec.label),
                    "operation": spec.operation,
                    "may_run_automatically": spec.automatic,
                }
                for code, spec in self.handler._step_types().items()
            ],
            "built_in": {
                "denied_model_prefixes": list(floor.DENIED_MODEL_PREFIXES),
                "rule": self.env._(
                    "No plan creates, changes or reads through security, configuration or messaging models, "
                    "nor writes fields that grant rights, at any depth."
                ),
            },
        }

    # ------------------------------------------------------------------ resources

    def resources(self):
        return [
            {
                "uri": "aiom://actions/pending",
                "name": "pending_actions",
                "title": "Pending actions",
                "description": "The proposals waiting for a person's decision.",
                "mimeType": "application/json",
            },
            {
                "uri": "aiom://guardrails",
                "name": "guardrails",
                "title": "Guardrails",
                "description": "What this company's guardrail policy lets an agent do.",
                "mimeType": "application/json",
            },
        ]

    def read_resource(self, uri):
        """The resource's JSON text, or None for an unknown URI."""
        if uri == "aiom://actions/pending":
            data = search_actions("pending")
        elif uri == "aiom://guardrails":
            data = self.guardrails()
        else:
            return None
        return json.dumps(data, ensure_ascii=False, default=str)


def exception_name(error):
    """The Odoo exception a refusal is, as the JSON-RPC API names it (``odoo.exceptions.ValidationError``
    for a guardrail too)."""
    base = next(cls for cls in type(error).__mro__ if cls.__module__ == "odoo.exceptions")
    return f"{base.__module__}.{base.__name__}"


def refusal(error):
    message = str(error.args[0]) if error.args else str(error)
    name = exception_name(error)
    data = {"error": {"name": name, "message": message, "rule": _rule(message)}}
    return tool_result(data, f"{name.rpartition('.')[2]}: {message}", is_error=True)


def _rule(message):
    match = RULE.search(message or "")
    return match.group(1) if match else None
