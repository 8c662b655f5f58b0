"""JSON-RPC API for external agents (SPEC "JSON-RPC API").

Every route acts as the authenticated user and goes through ``aiom.action``'s public methods, so
access rights, record rules and guardrails apply exactly as in the UI. Errors are raised as Odoo
exceptions: Odoo's JSON-RPC dispatcher rolls the transaction back and answers with a JSON-RPC
error whose ``data.name`` names the exception.
"""

from contextlib import contextmanager

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from ..limits import SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX
from ..utils import has_nul
from .serialize import action_to_dict

API_ROUTE = "/aiom/api/v1/actions"


@contextmanager
def odoo_errors():
    """Refusals travel as the Odoo exceptions they are: a guardrail is a ValidationError and a
    busy action a UserError in ``error.data.name``, whatever subclass the engine raised."""
    try:
        yield
    except (UserError, AccessError) as error:
        base = next(cls for cls in type(error).__mro__ if cls.__module__ == "odoo.exceptions")
        if base is type(error):
            raise
        raise base(*error.args) from None


def _check_request(unknown):
    """Refuse unknown parameters, and text PostgreSQL cannot store (NUL characters)."""
    for key, value in request.params.items():
        if has_nul(key) or has_nul(value):
            raise ValidationError(request.env._("Parameter %r contains a NUL character.", key.replace("\x00", "")))
    _check_unknown(unknown)


def _check_unknown(unknown):
    if unknown:
        raise ValidationError(request.env._("Unknown parameter(s): %s.", ", ".join(sorted(unknown))))


def _integer(value, name, minimum, maximum=None, required=True, default=None):
    if value is None and not required:
        return default
    if value is None:
        raise ValidationError(request.env._("Parameter %r is required.", name))
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(
            request.env._("Parameter %(name)r must be an integer, not %(value)r.", name=name, value=value)
        )
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"{minimum}..{maximum}" if maximum is not None else f">= {minimum}"
        raise ValidationError(request.env._("Parameter %(name)r must be in %(bound)s.", name=name, bound=bound))
    return value


def _text(value, name, required=False):
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValidationError(request.env._("Parameter %r must be a text.", name))
    return value


def _action(action_id):
    """The action the caller may read, or MissingError / AccessError."""
    action = request.env["aiom.action"].browse(_integer(action_id, "id", 1))
    if not action.exists():
        raise MissingError(request.env._("AI COO action %s does not exist.", action.id))
    action.check_access("read")
    return action


class AiomApi(http.Controller):
    @http.route(f"{API_ROUTE}/propose", type="json", auth="aiom_api", methods=["POST"])
    def propose(
        self,
        name=None,
        action_type=None,
        parameters=None,
        steps=None,
        rationale=None,
        confidence=None,
        risk_level=None,
        priority=None,
        target=None,
        idempotency_key=None,
        agent=None,
        expires_at=None,
        **unknown,
    ):
        _check_request(unknown)
        vals = {
            "name": name,
            "action_type": action_type,
            "parameters": parameters,
            "steps": steps,
            "rationale": rationale,
            "confidence": confidence,
            "risk_level": risk_level,
            "priority": priority,
            "target": target,
            "idempotency_key": idempotency_key,
            "agent": agent,
            "expires_at": expires_at,
        }
        vals = {key: value for key, value in vals.items() if value is not None}
        with odoo_errors():
            action = request.env["aiom.action"].propose({**vals, "source": "api"})
        return {"id": action.id, "state": action.state, "error_message": action.error_message or None}

    @http.route("/aiom/api/v1/schema", type="json", auth="aiom_api", methods=["POST"])
    def schema(self, **unknown):
        """The step types this server knows and the JSON schema of their parameters: the same
        schemas that validate every proposal."""
        _check_request(unknown)
        handler = request.env["aiom.step.handler"]
        return {
            "step_types": [
                {
                    "action_type": code,
                    "label": str(spec.label),
                    "icon": spec.icon,
                    "operation": spec.operation,
                    "runs_last": spec.deferred,
                    "may_run_automatically": spec.automatic,
                    "parameters": spec.schema,
                }
                for code, spec in handler._step_types().items()
            ],
            "steps": handler._plan_schema(),
        }

    @http.route(f"{API_ROUTE}/search", type="json", auth="aiom_api", methods=["POST"])
    def search(self, state=None, limit=None, offset=None, **unknown):
        _check_request(unknown)
        limit = _integer(limit, "limit", 1, SEARCH_LIMIT_MAX, required=False, default=SEARCH_LIMIT_DEFAULT)
        offset = _integer(offset, "offset", 0, required=False, default=0)
        Action = request.env["aiom.action"]
        domain = []
        if state is not None:
            states = [state] if isinstance(state, str) else state
            known = {value for value, _label in Action._fields["state"].selection}
            if not isinstance(states, list) or not states or not set(states) <= known:
                raise ValidationError(
                    request.env._("Parameter 'state' must be one of %s, or a list of them.", ", ".join(sorted(known)))
                )
            domain = [("state", "in", states)]
        actions = Action.search(domain, limit=limit, offset=offset)
        return {"count": Action.search_count(domain), "actions": [action_to_dict(action) for action in actions]}

    @http.route(f"{API_ROUTE}/get", type="json", auth="aiom_api", methods=["POST"])
    def get(self, id=None, **unknown):
        _check_request(unknown)
        return action_to_dict(_action(id))

    @http.route(f"{API_ROUTE}/approve", type="json", auth="aiom_api", methods=["POST"])
    def approve(self, id=None, **unknown):
        _check_request(unknown)
        action = _action(id)
        with odoo_errors():
            action.action_approve()
        return {
            "success": action.state == "executed",
            "state": action.state,
            "result": action.result or None,
            "error": action.error_message or None,
        }

    @http.route(f"{API_ROUTE}/reject", type="json", auth="aiom_api", methods=["POST"])
    def reject(self, id=None, reason=None, **unknown):
        _check_request(unknown)
        action = _action(id)
        with odoo_errors():
            action.action_reject(_text(reason, "reason"))
        return {"success": True, "state": action.state}

    @http.route("/api/ai-coo/approve-action", type="json", auth="aiom_api", methods=["POST"])
    def approve_action_compat(self, actionId=None, userId=None, **unknown):
        """The route of the system aiom_coo replaces. ``userId`` is ignored: the caller is the
        authenticated user. Answers ``{"success": false, "error"}`` instead of raising, as it did."""
        try:
            with request.env.cr.savepoint():
                _check_request(unknown)
                action = _action(actionId)
                action.action_approve()
        except (UserError, AccessError, MissingError, ValidationError) as error:
            return {"success": False, "error": str(error.args[0]) if error.args else str(error)}
        if action.state != "executed":
            return {"success": False, "error": action.error_message}
        return {"success": True, "result": action.result}
