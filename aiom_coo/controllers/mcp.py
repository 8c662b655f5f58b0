"""``/aiom/mcp``: the AI COO as a Model Context Protocol server (Streamable HTTP transport).

Every POST carries one JSON-RPC message or a batch and is answered at once with JSON (never an SSE
stream, so GET, which would open one, is answered 405; so is DELETE: sessions are signed tokens
that nothing stores, so there is nothing to end). Notifications and responses alone are answered
202. Authentication is an Odoo API key only (``Authorization: Bearer KEY``, ``auth='aiom_mcp'`` in
``ir_http``); without one, HTTP 401. The protocol layer is ``aiom_coo/mcp.py``; the tools are
``mcp_tools.py``.
"""

import logging
from urllib.parse import urlsplit

from odoo import http
from odoo.http import request
from odoo.modules.module import get_manifest
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools.misc import hmac

from .. import limits, mcp
from .mcp_tools import REFUSED, McpTools, exception_name

_logger = logging.getLogger(__name__)

MCP_ROUTE = "/aiom/mcp"
DEFAULT_AGENT = "MCP client"
SERVER_NAME = "aiom_coo"


class AiomMcp(http.Controller):
    @http.route(
        MCP_ROUTE, type="http", auth="aiom_mcp", methods=["GET", "POST", "DELETE"], csrf=False, save_session=False
    )
    def mcp(self, **_query):
        http_request = request.httprequest
        if http_request.method != "POST":
            message = request.env._("This MCP server answers POST requests only; it opens no event stream.")
            return _error(405, mcp.INVALID_REQUEST, message, headers={"Allow": "POST"})
        refused = _transport_refusal(http_request)
        if refused:
            return refused
        claims = None
        if mcp.SESSION_HEADER in http_request.headers:
            claims = mcp.read_session(_sign, http_request.headers[mcp.SESSION_HEADER])
            if not claims or claims.get("uid") != request.env.uid:
                message = request.env._("Unknown MCP session: initialize again.")
                return _error(404, mcp.INVALID_REQUEST, message)
        try:
            messages, batch = mcp.parse_body(http_request.get_data(cache=False))
        except mcp.RpcError as error:
            return _json(mcp.error_reply(None, error), 400)
        if len(messages) > limits.MAX_MCP_BATCH:
            message = request.env._("A batch holds at most %s messages.", limits.MAX_MCP_BATCH)
            return _error(400, mcp.INVALID_REQUEST, message)
        agent = (claims or {}).get("agent") or DEFAULT_AGENT
        replies, session = [], None
        for message in messages:
            answer, new_session = _answer(message, agent)
            session = new_session or session
            if answer is not None:
                replies.append(answer)
        if not replies:
            return request.make_response("", status=202)
        response = _json(replies if batch else replies[0])
        if session:
            response.headers[mcp.SESSION_HEADER] = session
        return response


def _transport_refusal(http_request):
    """The HTTP answer to a POST this transport cannot take, or None."""
    origin = http_request.headers.get("Origin")
    if origin and urlsplit(origin).netloc != http_request.host:
        # A page of another site (DNS rebinding included) may not drive this server.
        return _error(403, mcp.INVALID_REQUEST, request.env._("Origin %s is not allowed.", origin))
    if http_request.mimetype != "application/json":
        message = request.env._("Send JSON-RPC messages as JSON (Content-Type: application/json).")
        return _error(415, mcp.INVALID_REQUEST, message)
    accept = http_request.headers.get("Accept")
    if accept and not any(kind in accept for kind in ("application/json", "application/*", "*/*")):
        message = request.env._("This server answers with application/json: accept it.")
        return _error(406, mcp.INVALID_REQUEST, message)
    if (http_request.content_length or 0) > limits.MAX_MCP_REQUEST_BYTES:
        message = request.env._("A request is at most %s bytes.", limits.MAX_MCP_REQUEST_BYTES)
        return _error(413, mcp.INVALID_REQUEST, message)
    version = http_request.headers.get(mcp.VERSION_HEADER)
    if version is not None and version not in mcp.PROTOCOL_VERSIONS:
        message = request.env._("Unsupported protocol version %r.", version)
        data = {"supported": list(mcp.PROTOCOL_VERSIONS), "requested": version}
        return _error(400, mcp.UNSUPPORTED_PROTOCOL_VERSION, message, data)
    return None


def _answer(message, agent):
    """The reply to one message (None for notifications and responses) and, for ``initialize``,
    the session id to hand out. Each request runs in a savepoint: a failed one changes nothing."""
    try:
        if mcp.kind(message) != "request":
            return None, None
    except mcp.RpcError as error:
        return mcp.error_reply(mcp.request_id(message), error), None
    message_id = message["id"]
    try:
        with request.env.cr.savepoint():
            result, session = _dispatch(message["method"], message.get("params") or {}, agent)
        return mcp.reply(message_id, result), session
    except mcp.RpcError as error:
        return mcp.error_reply(message_id, error), None
    except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
        raise  # Odoo retries the whole request
    except REFUSED as error:
        text = str(error.args[0]) if error.args else str(error)
        data = {"name": exception_name(error), "message": text}
        return mcp.error_reply(message_id, mcp.RpcError(mcp.INVALID_PARAMS, text, data)), None
    except Exception:
        _logger.exception("AI COO: MCP %r failed", message.get("method"))
        text = request.env._("Internal error; the server log has the details.")
        return mcp.error_reply(message_id, mcp.RpcError(mcp.INTERNAL_ERROR, text)), None


def _dispatch(method, params, agent):
    tools = McpTools(request.env, agent)
    if method == "initialize":
        return _initialize(params)
    if method == "ping":
        return {}, None
    if method == "tools/list":
        return {"tools": tools.definitions()}, None
    if method == "tools/call":
        name, arguments = params.get("name"), params.get("arguments", {})
        if not isinstance(name, str) or not isinstance(arguments, dict):
            raise mcp.RpcError(
                mcp.INVALID_PARAMS, request.env._("tools/call needs a tool name and an arguments object.")
            )
        result = tools.call(name, arguments)
        if result is None:
            raise mcp.RpcError(mcp.INVALID_PARAMS, request.env._("Unknown tool %r.", name))
        return result, None
    if method == "resources/list":
        return {"resources": tools.resources()}, None
    if method == "resources/templates/list":
        return {"resourceTemplates": []}, None
    if method == "resources/read":
        uri = params.get("uri")
        text = tools.read_resource(uri) if isinstance(uri, str) else None
        if text is None:
            raise mcp.RpcError(mcp.RESOURCE_NOT_FOUND, request.env._("Unknown resource %r.", uri), {"uri": uri})
        return {"contents": [{"uri": uri, "mimeType": "application/json", "text": text}]}, None
    raise mcp.RpcError(mcp.METHOD_NOT_FOUND, request.env._("Method not found: %s.", method))


def _initialize(params):
    """Negotiate the version and remember the client's name (the agent of its proposals) in the
    signed session id."""
    client = params.get("clientInfo")
    name = client.get("name") if isinstance(client, dict) else None
    agent = name.replace("\x00", "").strip()[: limits.MAX_SHORT_TEXT] if isinstance(name, str) else ""
    version = params.get("protocolVersion")
    result = {
        "protocolVersion": mcp.negotiate(version),
        "capabilities": {"tools": {"listChanged": False}, "resources": {"subscribe": False, "listChanged": False}},
        "serverInfo": {"name": SERVER_NAME, "title": "AI COO", "version": _module_version()},
        "instructions": request.env._(
            "Read business records with search_records and read_record; everything that would change data is a "
            "proposal (propose_action) that a person approves in the Action Inbox; poll get_action for the outcome. "
            "Call explain_guardrails first to plan within this company's guardrails."
        ),
    }
    return result, mcp.sign_session(_sign, {"uid": request.env.uid, "agent": agent or DEFAULT_AGENT})


def _module_version():
    return get_manifest("aiom_coo").get("version", "")


def _sign(payload):
    # database.secret, through Odoo's own helper; the system parameter is readable by admins only.
    return hmac(request.env(su=True), "aiom_mcp_session", payload)


def _json(data, status=200, headers=None):
    response = request.make_json_response(data, status=status)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _error(status, code, message, data=None, headers=None):
    return _json(mcp.error_reply(None, mcp.RpcError(code, message, data)), status, headers)


def unauthorized_reply(error):
    """HTTP 401 with a JSON-RPC error and ``WWW-Authenticate: Bearer``: no key, or a bad one."""
    if "apikey" in str(error):
        message = request.env._("Invalid API key.")
    else:
        message = request.env._("Authentication required: send an Odoo API key (Authorization: Bearer KEY).")
    return _error(401, mcp.UNAUTHORIZED, message, headers={"WWW-Authenticate": 'Bearer realm="aiom_coo"'})
