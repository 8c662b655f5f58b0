"""JSON-RPC API for external agents (docs/REFERENCE.md, "JSON-RPC API").

Every route acts as the authenticated user and goes through ``aiom.action``'s public methods, so
access rights, record rules and guardrails apply exactly as in the UI. Errors are raised as Odoo
exceptions: Odoo's JSON-RPC dispatcher rolls the transaction back and answers with a JSON-RPC
error whose ``data.name`` names the exception.

The compatibility route ``/api/ai-coo/approve-action`` also speaks the plain JSON of the system
aiom_coo replaces (no JSON-RPC envelope), so it is a ``type='http'`` route that reads the body
itself; see ``approve_action_compat``.
"""

import json
import logging
import re
from contextlib import contextmanager

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import JsonRPCDispatcher, SessionExpiredException, request
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from ..limits import SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX
from ..utils import has_nul
from .serialize import action_to_dict

_logger = logging.getLogger(__name__)

API_ROUTE = "/aiom/api/v1/actions"
COMPAT_ROUTE = "/api/ai-coo/approve-action"
# Content types a cross-site form cannot send without a CORS preflight (which this server never
# grants): requiring one keeps the session-authenticated compat route safe from CSRF.
JSON_CONTENT_TYPES = ("application/json", "application/json-rpc")


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


def _check_request(unknown, params=None):
    """Refuse unknown parameters, and text PostgreSQL cannot store (NUL characters)."""
    for key, value in (request.params if params is None else params).items():
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


def search_actions(state=None, limit=None, offset=None, domain=()):
    """``{"count", "actions"}``: the caller's actions in the inbox's order, by state (one or a list)."""
    limit = _integer(limit, "limit", 1, SEARCH_LIMIT_MAX, required=False, default=SEARCH_LIMIT_DEFAULT)
    offset = _integer(offset, "offset", 0, required=False, default=0)
    Action = request.env["aiom.action"]
    domain = list(domain)
    if state is not None:
        states = [state] if isinstance(state, str) else state
        known = {value for value, _label in Action._fields["state"].selection}
        if not isinstance(states, list) or not states or not set(states) <= known:
            raise ValidationError(
                request.env._("Parameter 'state' must be one of %s, or a list of them.", ", ".join(sorted(known)))
            )
        domain.append(("state", "in", states))
    actions = Action.search(domain, limit=limit, offset=offset)
    return {"count": Action.search_count(domain), "actions": [action_to_dict(action) for action in actions]}


def _action(action_id, name="id"):
    """The action the caller may read, or MissingError / AccessError."""
    action = request.env["aiom.action"].browse(_integer(action_id, name, 1))
    # One query tells whether it exists and loads it; the record rules then judge the values read.
    if not action._fetch_row():
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

    @http.route(f"{API_ROUTE}/plan", type="json", auth="aiom_api", methods=["POST"])
    def plan(self, prompt=None, target=None, **unknown):
        """The LLM planner drafts a plan for ``prompt`` and files it as the caller's proposal."""
        _check_request(unknown)
        with odoo_errors():
            return request.env["aiom.action"].plan_from_request(_text(prompt, "prompt", required=True), target)

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
        return search_actions(state, limit, offset)

    @http.route(f"{API_ROUTE}/get", type="json", auth="aiom_api", methods=["POST"])
    def get(self, id=None, **unknown):
        _check_request(unknown)
        return action_to_dict(_action(id))

    @http.route(f"{API_ROUTE}/preview", type="json", auth="aiom_api", methods=["POST"])
    def preview(self, id=None, **unknown):
        """What approving the action would change, in words, read with the caller's rights; reads only."""
        _check_request(unknown)
        action = _action(id)
        with odoo_errors():
            return {"id": action.id, "state": action.state, **action.get_preview()[action.id]}

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

    @http.route(COMPAT_ROUTE, type="http", auth="aiom_api", methods=["POST"], csrf=False)
    def approve_action_compat(self, **_query):
        """The route of the system aiom_coo replaces, for its own dashboard's ``fetch``.

        Accepts a plain JSON body ``{"actionId": 12, "userId": ...}`` (``actionId`` an integer or a
        numeric string; ``userId`` ignored: the caller is the authenticated user) and answers
        ``{"success", "status", "result", "error"}`` at the top level, ``status`` being the action's
        state. A JSON-RPC envelope (``{"jsonrpc": "2.0", "params": {...}}``) gets the same answer as
        its ``result``. Refusals (rights, four-eyes, already executed, unknown id) answer
        ``success: false`` with a readable ``error`` and change nothing; bad credentials answer
        HTTP 401 (``aiom_api`` auth, see ``ir_http``), other content types HTTP 415.
        """
        if request.httprequest.mimetype not in JSON_CONTENT_TYPES:
            message = request.env._("Send the request as JSON (Content-Type: application/json).")
            return _plain_reply({"success": False, "status": None, "result": None, "error": message}, 415)
        try:
            body = json.loads(request.httprequest.get_data(as_text=True))
        except ValueError:
            body = None
        if not isinstance(body, dict):
            message = request.env._('The body must be a JSON object, e.g. {"actionId": 12}.')
            return _plain_reply({"success": False, "status": None, "result": None, "error": message}, 400)
        envelope = _is_envelope(body)
        try:
            reply = _approve_compat(body.get("params", {}) if envelope else body)
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            raise  # Odoo retries the whole request
        except Exception as error:
            _logger.exception("AI COO: %s failed", COMPAT_ROUTE)
            request.env.cr.rollback()
            if envelope:
                return _jsonrpc_error(body, error)
            message = request.env._("Internal server error; the server log has the details.")
            return _plain_reply({"success": False, "status": None, "result": None, "error": message}, 500)
        if envelope:
            return request.make_json_response({"jsonrpc": "2.0", "id": body.get("id"), "result": reply})
        return _plain_reply(reply)


def _is_envelope(body):
    """A JSON-RPC request, as Odoo's own clients send it, rather than the seed's plain body."""
    return "jsonrpc" in body or "params" in body


def _plain_reply(data, status=200):
    return request.make_json_response(data, status=status)


def _jsonrpc_error(body, error):
    """A JSON-RPC error exactly as Odoo's dispatcher writes it."""
    dispatcher = JsonRPCDispatcher(request)
    dispatcher.request_id = body.get("id")
    return dispatcher.handle_error(error)


def _numeric_id(value):
    """The seed's client may send the id as a string of digits."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,18}", value):
        return int(value)
    return value


def _approve_compat(params):
    """Approve ``params["actionId"]`` and say how it went, ``{"success", "status", "result", "error"}``."""
    action = None
    try:
        with request.env.cr.savepoint():
            if not isinstance(params, dict):
                raise ValidationError(request.env._("Parameter 'params' must be a JSON object."))
            unknown = {key: value for key, value in params.items() if key not in ("actionId", "userId")}
            _check_request(unknown, params=params)
            action = _action(_numeric_id(params.get("actionId")), name="actionId")
            action.action_approve()
    except (UserError, AccessError, MissingError, ValidationError) as error:
        return {"success": False, "status": _state(action), "result": None, "error": _message(error)}
    success = action.state == "executed"
    return {
        "success": success,
        "status": action.state,
        "result": action.result or None,
        "error": None if success else action.error_message or request.env._("The action was not executed."),
    }


def _state(action):
    """The state of an action the caller may read, as stored (after a refusal rolled back)."""
    if not action:
        return None
    action.invalidate_recordset()
    return action.state if action.exists() and action.has_access("read") else None


def _message(error):
    return str(error.args[0]) if error.args else str(error)


def unauthorized_reply(error):
    """What the compat route answers without valid credentials: HTTP 401 with ``{"success": false,
    "error"}`` for a plain body; a JSON-RPC error, as Odoo's JSON routes answer, for an envelope."""
    try:
        body = json.loads(request.httprequest.get_data(as_text=True))
    except ValueError:
        body = None
    if isinstance(body, dict) and _is_envelope(body):
        return _jsonrpc_error(body, error)
    if isinstance(error, SessionExpiredException):
        message = request.env._("Authentication required: send an Odoo API key (Authorization: Bearer KEY) or log in.")
    elif "apikey" in str(error):
        message = request.env._("Invalid API key.")
    else:
        message = _message(error)
    return _plain_reply({"success": False, "status": None, "result": None, "error": message}, 401)
