"""A local stand-in for an OpenAI-compatible chat-completions endpoint on 127.0.0.1.

``POST /v1/chat/completions`` answers ``fake.answer`` (a dict, sent as the message content) with
``fake.usage``; every request is recorded. Failures on demand, one per request:
``fail_next("500", "malformed")``. Behaviours: ``ok``, ``malformed`` (content that is not JSON),
``429``, ``500``, ``slow:<seconds>`` (answers late, or when the server stops).
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_KEY = "sk-LLMTESTKEY42"


class FakeLlm:
    def __init__(self):
        self.requests = []
        self.behaviours = []
        self.answer = {}
        self.usage = {"prompt_tokens": 300, "completion_tokens": 120, "total_tokens": 420}
        self._released = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

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
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                payload = json.loads(raw)
            except ValueError:
                payload = None
            fake.requests.append({"path": self.path, "headers": dict(self.headers), "json": payload, "raw": raw})
            behaviour = fake._next_behaviour()
            if self.path != "/v1/chat/completions":
                return self._reply(404, {"error": {"message": "not found"}})
            if self.headers.get("Authorization") != f"Bearer {API_KEY}":
                return self._reply(401, {"error": {"message": "invalid api key"}})
            if not isinstance(payload, dict) or payload.get("response_format", {}).get("type") != "json_schema":
                return self._reply(400, {"error": {"message": "response_format json_schema expected"}})
            if behaviour == "429":
                return self._reply(429, {"error": {"message": "rate limited"}})
            if behaviour == "500":
                return self._reply(500, {"error": {"message": "internal error"}})
            if behaviour.startswith("slow"):
                fake._released.wait(float(behaviour.partition(":")[2] or "3"))
            content = "Sure! Here is the proposal: {not json" if behaviour == "malformed" else json.dumps(fake.answer)
            return self._reply(
                200,
                {
                    "id": "chatcmpl-test",
                    "object": "chat.completion",
                    "model": payload.get("model"),
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
                    ],
                    "usage": fake.usage,
                },
            )

        def _reply(self, status, data):
            body = json.dumps(data).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (timeout)

    return Handler
