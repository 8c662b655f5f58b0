"""The Model Context Protocol's JSON-RPC layer, in plain Python (no Odoo): what the Streamable HTTP
endpoint ``/aiom/mcp`` (``controllers/mcp.py``) needs to read a POST body, answer each message and
negotiate the protocol version; the tools themselves live in ``controllers/mcp_tools.py``.

The server is stateless: every POST is answered on its own, never with an SSE stream, and the
session id it hands out at ``initialize`` is a signed token (the user and the client's name), so
any worker of any server can read it and nothing is kept between requests.
"""

import base64
import hmac
import json

# Newest first: ``initialize`` answers the client's version when it is one of these, else the newest.
# 2026-07-28 drops the ``initialize`` handshake for ``server/discover``; clients fall back to it.
PROTOCOL_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")
LATEST_VERSION = PROTOCOL_VERSIONS[0]
# Assumed when a request carries no MCP-Protocol-Version header (as the transport's text says).
DEFAULT_HEADER_VERSION = "2025-03-26"

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
RESOURCE_NOT_FOUND = -32002
UNAUTHORIZED = -32001
# A request at a version we do not speak (the 2026-07-28 ``server/discover`` probe among them):
# its error data lists ours, so a client falls back to ``initialize`` at one of them.
UNSUPPORTED_PROTOCOL_VERSION = -32022

SESSION_HEADER = "Mcp-Session-Id"
VERSION_HEADER = "MCP-Protocol-Version"


class RpcError(Exception):
    """A JSON-RPC error answered for one message."""

    def __init__(self, code, message, data=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


def negotiate(requested):
    """The version ``initialize`` answers: the client's when we speak it, else our newest."""
    return requested if requested in PROTOCOL_VERSIONS else LATEST_VERSION


def parse_body(raw):
    """The messages of a POST body and whether they came as a batch; RpcError(PARSE_ERROR) when
    it is not JSON, RpcError(INVALID_REQUEST) for an empty batch."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise RpcError(PARSE_ERROR, "Parse error: the body is not JSON.") from None
    if isinstance(body, list):
        if not body:
            raise RpcError(INVALID_REQUEST, "Invalid request: an empty batch.")
        return body, True
    return [body], False


def kind(message):
    """``request``, ``notification`` or ``response`` (a client's answer, which we never ask for),
    or RpcError(INVALID_REQUEST) for anything that is not a JSON-RPC 2.0 message."""
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
        raise RpcError(INVALID_REQUEST, "Invalid request: not a JSON-RPC 2.0 message.")
    if "method" not in message:
        if "id" in message and ("result" in message or "error" in message):
            return "response"
        raise RpcError(INVALID_REQUEST, "Invalid request: no method.")
    if not isinstance(message["method"], str):
        raise RpcError(INVALID_REQUEST, "Invalid request: the method must be a string.")
    if "params" in message and not isinstance(message["params"], dict):
        raise RpcError(INVALID_REQUEST, "Invalid request: params must be an object.")
    if "id" not in message:
        return "notification"
    if message["id"] is None or isinstance(message["id"], bool) or not isinstance(message["id"], (str, int)):
        raise RpcError(INVALID_REQUEST, "Invalid request: the id must be a string or an integer.")
    return "request"


def request_id(message):
    """The id to answer an invalid message with: its own when it is a usable one, else null."""
    value = message.get("id") if isinstance(message, dict) else None
    return value if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def reply(message_id, result):
    return {"jsonrpc": "2.0", "id": message_id, "result": result}


def error_reply(message_id, error):
    body = {"code": error.code, "message": error.message}
    if error.data is not None:
        body["data"] = error.data
    return {"jsonrpc": "2.0", "id": message_id, "error": body}


def tool_result(data, text=None, is_error=False):
    """A ``tools/call`` result: the data as ``structuredContent`` and, for clients that read text
    only, as JSON text (or ``text`` when given)."""
    text = text if text is not None else json.dumps(data, ensure_ascii=False, default=str)
    return {"content": [{"type": "text", "text": text}], "structuredContent": data, "isError": is_error}


def sign_session(sign, claims):
    """A session id that is its own proof: base64 claims, a dot, their signature (``sign``: text ->
    hex HMAC under a server secret). Only visible ASCII, as the transport requires."""
    payload = base64.urlsafe_b64encode(json.dumps(claims, sort_keys=True).encode()).decode().rstrip("=")
    return f"{payload}.{sign(payload)}"


def read_session(sign, token):
    """The claims of a session id this server signed, or None."""
    if not isinstance(token, str) or token.count(".") != 1 or len(token) > 2000:
        return None
    payload, signature = token.split(".")
    if not hmac.compare_digest(signature.encode(), sign(payload).encode()):
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    return claims if isinstance(claims, dict) else None
