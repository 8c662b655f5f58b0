"""A local stand-in for an OpenAI-compatible chat-completions endpoint on 127.0.0.1.

``POST /v1/chat/completions`` answers ``fake.answer`` (a dict sent as the message content, or a
callable of the request's payload returning one) with ``fake.usage``; every request is recorded.
It speaks the answer modes in ``fake.modes``: ``json_schema`` (a response format) and ``tools``
(the answer as the arguments of the one tool call); a request in another mode gets HTTP 400, as
servers without that feature answer. Failures on demand, one per request:
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
        self.modes = {"json_schema"}

    def handler_class(self):
        return type("LlmHandler", (LlmHandler,), {"fake": self})


class LlmHandler(JsonHandler):
    def do_POST(self):
        payload, behaviour = self.read_request()
        if self.path != "/v1/chat/completions":
            return self.reply(404, {"error": {"message": "not found"}})
        if self.headers.get("Authorization") != f"Bearer {API_KEY}":
            return self.reply(401, {"error": {"message": "invalid api key"}})
        payload = payload if isinstance(payload, dict) else {}
        mode = "tools" if payload.get("tools") else payload.get("response_format", {}).get("type")
        if mode not in self.fake.modes:
            return self.reply(400, {"error": {"message": f"{mode or 'this request'} is not supported"}})
        if behaviour == "429":
            return self.reply(429, {"error": {"message": "rate limited"}})
        if behaviour == "500":
            return self.reply(500, {"error": {"message": "internal error"}})
        self.fake.wait_if_slow(behaviour)
        answer = self.fake.answer(payload) if callable(self.fake.answer) else self.fake.answer
        content = "Sure! Here is the proposal: {not json" if behaviour == "malformed" else json.dumps(answer)
        message = {"role": "assistant", "content": content}
        if mode == "tools":
            name = payload["tools"][0]["function"]["name"]
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": name, "arguments": content}}],
            }
        return self.reply(
            200,
            {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "model": payload.get("model"),
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": self.fake.usage,
            },
        )
