"""A local stand-in for SMTP2GO's HTTP API v3 (``POST /v3/email/send``) on 127.0.0.1.

It checks what the real service checks (API key header, JSON body, required fields), answers with
SMTP2GO-shaped bodies, records every request, and fails on demand: ``fail_next("500", "ok")``.
Behaviours: ``ok``, ``500``, ``429:<seconds>`` (Retry-After), ``401``, ``400-fields``,
``slow:<seconds>``, ``drop`` (closes the connection without answering), ``nonjson``.
"""

import socket
import uuid

from .fake_http_server import FakeHttpServer, JsonHandler

API_KEY = "api-TESTKEY0123456789"


class FakeSmtp2go(FakeHttpServer):
    base_path = "/v3"

    def handler_class(self):
        return type("Smtp2goHandler", (Smtp2goHandler,), {"fake": self})


class Smtp2goHandler(JsonHandler):
    def do_POST(self):
        payload, behaviour = self.read_request()
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
        self.fake.wait_if_slow(behaviour)
        if behaviour == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        if behaviour == "nonjson":
            return self.reply_raw(200, b"<html>Gateway says hello</html>", "text/html")
        recipients = payload["to"] + payload.get("cc", []) + payload.get("bcc", [])
        email_id = "1tEST-" + uuid.uuid4().hex[:6] + "-" + str(len(self.fake.requests))
        return self._reply(
            200, {"data": {"succeeded": len(recipients), "failed": 0, "failures": [], "email_id": email_id}}
        )

    def _reply(self, status, data, headers=None):
        return self.reply(status, {"request_id": str(uuid.uuid4()), **data}, headers)


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
