"""A local stand-in for SMTP2GO's HTTP API v3 (``POST /v3/email/send``) on 127.0.0.1.

It checks what the real service checks (API key header, JSON body, required fields), answers with
SMTP2GO-shaped bodies, records every request, and fails on demand: ``fail_next("500", "ok")``.
Behaviours: ``ok``, ``500``, ``429:<seconds>`` (Retry-After), ``401``, ``400-fields``,
``slow:<seconds>``, ``drop`` (closes the connection without answering), ``nonjson``.
"""

import json
import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_KEY = "api-TESTKEY0123456789"


class FakeSmtp2go:
    def __init__(self):
        self.requests = []
        self.behaviours = []
        self._released = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}/v3"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._released.set()
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, *behaviours):
        self.behaviours.extend(behaviours)

    def _next_behaviour(self):
        return self.behaviours.pop(0) if self.behaviours else "ok"


def _handler_for(fake):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                payload = json.loads(body)
            except ValueError:
                payload = None
            fake.requests.append({"path": self.path, "headers": dict(self.headers), "json": payload})
            behaviour = fake._next_behaviour()
            if self.path != "/v3/email/send":
                return self._reply(
                    404, {"data": {"error": "Not found", "error_code": "E_ApiResponseCodes.ENDPOINT_NOT_FOUND"}}
                )
            if self.headers.get("X-Smtp2go-Api-Key") != API_KEY or behaviour == "401":
                return self._reply(
                    401, {"data": {"error": "Invalid API key", "error_code": "E_ApiResponseCodes.API_KEY_INVALID"}}
                )
            missing = _missing_fields(payload)
            if missing or behaviour == "400-fields":
                errors = missing or {"sender": "The sender domain is not verified"}
                return self._reply(
                    400,
                    {
                        "data": {
                            "error": "The payload does not validate",
                            "error_code": "E_ApiResponseCodes.NON_VALIDATING_IN_PAYLOAD",
                            "field_validation_errors": errors,
                        }
                    },
                )
            if behaviour == "500":
                return self._reply(
                    500, {"data": {"error": "Internal error", "error_code": "E_ApiResponseCodes.API_EXCEPTION"}}
                )
            if behaviour.startswith("429"):
                seconds = behaviour.partition(":")[2] or "1"
                return self._reply(
                    429,
                    {"data": {"error": "Rate limited", "error_code": "E_ApiResponseCodes.RATE_LIMITED"}},
                    {"Retry-After": seconds},
                )
            if behaviour.startswith("slow"):
                fake._released.wait(float(behaviour.partition(":")[2] or "3"))
            if behaviour == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return None
            if behaviour == "nonjson":
                return self._reply_raw(200, b"<html>Gateway says hello</html>", "text/html")
            recipients = payload["to"] + payload.get("cc", []) + payload.get("bcc", [])
            email_id = "1tEST-" + uuid.uuid4().hex[:6] + "-" + str(len(fake.requests))
            return self._reply(
                200, {"data": {"succeeded": len(recipients), "failed": 0, "failures": [], "email_id": email_id}}
            )

        def _reply(self, status, data, headers=None):
            data = {"request_id": str(uuid.uuid4()), **data}
            return self._reply_raw(status, json.dumps(data).encode(), "application/json", headers)

        def _reply_raw(self, status, body, content_type, headers=None):
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (timeout): nothing to answer to

    return Handler


def _missing_fields(payload):
    if not isinstance(payload, dict):
        return {"payload": "must be a JSON object"}
    errors = {}
    if not payload.get("sender"):
        errors["sender"] = "is required"
    if not isinstance(payload.get("to"), list) or not payload["to"]:
        errors["to"] = "must be a non-empty list"
    if not payload.get("subject"):
        errors["subject"] = "is required"
    if not payload.get("text_body") and not payload.get("html_body"):
        errors["text_body"] = "text_body or html_body is required"
    return errors
