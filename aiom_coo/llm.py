"""A small client for OpenAI-compatible chat completions (``POST {base_url}/chat/completions``).

OpenAI, Azure OpenAI, vLLM, Ollama and LM Studio all speak this protocol. The answer is asked for
with a strict JSON-schema response format and checked again here against the same schema, because
not every server enforces it. Like the SMTP2GO client: a timeout on every call, no raw ``requests``
errors, and no retries: the caller falls back to the rule-based proposal, which is always there.
"""

import json

import requests

from .schema import schema_problem

DEFAULT_TIMEOUT = 30.0
JSON_SCHEMA, TOOLS = "json_schema", "tools"
# What an endpoint answers when it does not know a request's shape (a response format, tools).
UNSUPPORTED_STATUSES = (400, 404, 422, 501)


class LlmError(Exception):
    """The endpoint failed or answered something unusable; ``str()`` is meant for a log line.

    ``usage`` holds the token counts when the endpoint answered (tokens were spent all the same);
    ``unavailable`` is True when the endpoint itself failed (timeout, connection, HTTP error), as
    opposed to answering something unusable.
    """

    def __init__(self, message, usage=None, unavailable=False, status=None):
        super().__init__(message)
        self.usage = usage or {}
        self.unavailable = unavailable
        self.status = status


class LlmClient:
    def __init__(self, base_url, model, api_key=None, timeout=DEFAULT_TIMEOUT, session=None):
        if not base_url or not model:
            raise LlmError("LLM endpoint is not configured (base URL and model are required)")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout = timeout or DEFAULT_TIMEOUT
        self.session = session or requests.Session()

    def complete(self, messages, schema, schema_name="proposal", strict=True, max_tokens=None, mode=JSON_SCHEMA):
        """Ask for one answer matching ``schema``; return ``(answer_dict, usage_dict)``.

        ``mode`` is how the answer is asked for: ``json_schema`` (a response format) or ``tools``
        (one function the model must call, its arguments being the answer). Either way the answer
        is checked here against ``schema``.
        """
        payload = {"model": self.model, "messages": messages, "temperature": 0.2}
        if max_tokens:
            payload["max_tokens"] = max_tokens
        if mode == TOOLS:
            payload["tools"] = [
                {
                    "type": "function",
                    "function": {"name": schema_name, "description": "Answer with this.", "parameters": schema},
                }
            ]
            payload["tool_choice"] = {"type": "function", "function": {"name": schema_name}}
        else:
            payload["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": schema_name, "strict": strict, "schema": schema},
            }
        data = self._post(payload)
        usage = _usage(data)
        try:
            message = data["choices"][0]["message"]
            if mode == TOOLS:
                content = message["tool_calls"][0]["function"]["arguments"]
                answer = content if isinstance(content, dict) else json.loads(content)
            else:
                answer = json.loads(message["content"])
        except (KeyError, IndexError, TypeError, ValueError):
            raise LlmError("the LLM answer is not a JSON message", usage) from None
        problem = schema_problem(answer, schema)
        if problem:
            raise LlmError(f"the LLM answer does not match the schema: {problem}", usage)
        return answer, usage

    def complete_any(self, messages, schema, schema_name, max_tokens=None, modes=(JSON_SCHEMA, TOOLS)):
        """``complete`` in the first of ``modes`` the endpoint accepts: an endpoint that refuses a
        mode (HTTP 400, 404, 422, 501) is asked in the next one. Returns ``(answer, usage, mode)``."""
        for index, mode in enumerate(modes):
            try:
                answer, usage = self.complete(
                    messages, schema, schema_name, strict=False, max_tokens=max_tokens, mode=mode
                )
                return answer, usage, mode
            except LlmError as error:
                if error.status not in UNSUPPORTED_STATUSES or index == len(modes) - 1:
                    raise
        raise LlmError("no answer mode to try")

    def _post(self, payload):
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:  # local servers (Ollama, LM Studio) often take none
            headers["Authorization"] = f"Bearer {self.api_key}"
        try:
            response = self.session.post(
                f"{self.base_url}/chat/completions", json=payload, headers=headers, timeout=self.timeout
            )
        except requests.exceptions.Timeout:
            raise LlmError(f"the LLM endpoint did not answer within {self.timeout:g} s", unavailable=True) from None
        except requests.exceptions.RequestException as exc:
            raise LlmError(f"could not call the LLM endpoint: {type(exc).__name__}", unavailable=True) from None
        if response.status_code != 200:
            snippet = (response.text or "").strip().replace("\n", " ")[:160]
            raise LlmError(
                f"the LLM endpoint answered HTTP {response.status_code}: {snippet!r}",
                unavailable=True,
                status=response.status_code,
            )
        try:
            return response.json()
        except ValueError:
            raise LlmError("the LLM endpoint answered a non-JSON body") from None


def _usage(data):
    usage = data.get("usage") if isinstance(data, dict) else None
    usage = usage if isinstance(usage, dict) else {}
    counts = {}
    for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
        value = usage.get(key)
        counts[key] = value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0
    if not counts["total_tokens"]:
        counts["total_tokens"] = counts["prompt_tokens"] + counts["completion_tokens"]
    return counts
