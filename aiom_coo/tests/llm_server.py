"""A local stand-in for an OpenAI-compatible chat-completions endpoint on 127.0.0.1.

``POST /v1/chat/completions`` answers ``fake.answer`` (a dict, sent as the message content) with
``fake.usage``; every request is recorded. Failures on demand, one per request:
``fail_next("500", "malformed")``. Behaviours: ``ok``, ``malformed`` (content that is not JSON),
``429``, ``500``, ``slow:<seconds>`` (answers late, or when the server stops).
"""

import json

from .fake_http_server import FakeHttpServer, JsonHandler

API_KEY = "sk-LLMTESTKEY42"


class FakeLlm(FakeHttpServer):
    base_path = "/v1"

    def __init__(self):
        super().__init__()
        self.answer = {}
        self.usage = {"prompt_tokens": 300, "completion_tokens": 120, "total_tokens": 420}

    def handler_class(self):
        return type("LlmHandler", (LlmHandler,), {"fake": self})


class LlmHandler(JsonHandler):
    def do_POST(self):
        payload, behaviour = self.read_request()
        if self.path != "/v1/chat/completions":
            return self.reply(404, {"error": {"message": "not found"}})
        if self.headers.get("Authorization") != f"Bearer {API_KEY}":
            return self.reply(401, {"error": {"message": "invalid api key"}})
        if not isinstance(payload, dict) or payload.get("response_format", {}).get("type") != "json_schema":
            return self.reply(400, {"error": {"message": "response_format json_schema expected"}})
        if behaviour == "429":
            return self.reply(429, {"error": {"message": "rate limited"}})
        if behaviour == "500":
            return self.reply(500, {"error": {"message": "internal error"}})
        self.fake.wait_if_slow(behaviour)
        content = "Sure! Here is the proposal: {not json" if behaviour == "malformed" else json.dumps(self.fake.answer)
        return self.reply(
            200,
            {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "model": payload.get("model"),
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
                ],
                "usage": self.fake.usage,
            },
        )
