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


class LlmError(Exception):
    """The endpoint failed or answered something unusable; ``str()`` is meant for a log line.

    ``usage`` holds the token counts when the endpoint answered (tokens were spent all the same);
    ``unavailable`` is True when the endpoint itself failed (timeout, connection, HTTP error), as
    opposed to answering something unusable.
    """

    def __init__(self, message, usage=None, unavailable=False):
        super().__init__(message)
        self.usage = usage or {}
        self.unavailable = unavailable


class LlmClient:
    def __init__(self, base_url, model, api_key=None, timeout=DEFAULT_TIMEOUT, session=None):
        if not base_url or not model:
            raise LlmError("LLM endpoint is not configured (base URL and model are required)")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout = timeout or DEFAULT_TIMEOUT
        self.session = session or requests.Session()

    def complete(self, messages, schema, schema_name="proposal"):
        """Ask for one answer matching ``schema``; return ``(answer_dict, usage_dict)``."""
        payload = {
            "model": self.model,
            "messages": messages,
            "temperature": 0.2,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": schema_name, "strict": True, "schema": schema},
            },
        }
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
            raise LlmError(f"the LLM endpoint answered HTTP {response.status_code}: {snippet!r}", unavailable=True)
        try:
            data = response.json()
        except ValueError:
            raise LlmError("the LLM endpoint answered a non-JSON body") from None
        usage = _usage(data)
        try:
            content = data["choices"][0]["message"]["content"]
            answer = json.loads(content)
        except (KeyError, IndexError, TypeError, ValueError):
            raise LlmError("the LLM answer is not a JSON message", usage) from None
        problem = schema_problem(answer, schema)
        if problem:
            raise LlmError(f"the LLM answer does not match the schema: {problem}", usage)
        return answer, usage


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
