"""Bad input tried on ``/aiom/mcp``: random JSON-RPC messages and random tool arguments over real
HTTP. Never an HTTP 500, every answer JSON-RPC, and a refused call changes nothing."""

import json

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .test_reliability import JSON, fingerprint, pg  # noqa: F401  (pg: the fixture)

MCP = "/aiom/mcp"
# Derandomized and bounded: the same examples every run (raise max_examples to explore further).
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True
)
METHODS = [
    "initialize",
    "ping",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/read",
    "notifications/initialized",
    "server/discover",
    "nope",
]
STEP_KEYS = ["model", "values", "ids", "domain", "fields", "limit", "res_id", "body", "to", "subject", "summary"]


@pytest.fixture(scope="module")
def mcp_http(live_server, api_users):
    session = requests.Session()
    session.headers.update(
        {"Authorization": f"Bearer {api_users['approver']['key']}", "Content-Type": "application/json"}
    )
    return session, f"{live_server}{MCP}"


@pytest.fixture(scope="module")
def tools(mcp_http):
    session, url = mcp_http
    reply = session.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, timeout=30).json()
    return {tool["name"]: tool for tool in reply["result"]["tools"]}


def post(mcp_http, body):
    session, url = mcp_http
    reply = session.post(url, data=json.dumps(body), timeout=60)
    assert reply.status_code != 500, reply.text[:300]
    assert reply.status_code in (200, 202, 400), (reply.status_code, reply.text[:300])
    if reply.status_code == 202:
        return []
    assert reply.headers["Content-Type"].startswith("application/json"), reply.text[:300]
    body = reply.json()
    return body if isinstance(body, list) else [body]


def refused(answer):
    """A refusal: a JSON-RPC error, or a tool result with isError that stored nothing."""
    if "error" in answer:
        assert answer["error"]["code"] != -32603 and answer["error"]["message"], f"an internal error: {answer}"
        return True
    result = answer["result"]
    if isinstance(result, dict) and result.get("isError"):
        assert result["content"][0]["text"], result
        return result["structuredContent"].get("state") != "blocked"  # a blocked proposal is stored, as such
    return False


message = st.fixed_dictionaries(
    {"jsonrpc": st.sampled_from(["2.0", "1.0"]), "method": st.sampled_from(METHODS) | st.text(max_size=10)},
    optional={"id": st.integers(-5, 10**6) | st.text(max_size=5) | st.none(), "params": JSON},
)


def test_fuzz_messages(mcp_http, pg):  # noqa: F811
    """Random messages and batches: JSON-RPC answers only; a refused one changes nothing."""

    @FUZZ
    @given(body=message | st.lists(message, max_size=4) | JSON)
    def fuzz(body):
        before = fingerprint(pg)
        answers = post(mcp_http, body)
        if all(refused(answer) for answer in answers if isinstance(answer, dict)):
            assert fingerprint(pg) == before, f"a refused message changed the database: {answers}"

    fuzz()


def test_fuzz_tool_arguments(mcp_http, tools, pg):  # noqa: F811
    """Random arguments for every tool, from its own input schema's names (and a junk one)."""
    step_types = [
        option["properties"]["action_type"]["enum"][0]
        for option in tools["propose_action"]["inputSchema"]["properties"]["steps"]["items"]["anyOf"]
    ]
    step = st.fixed_dictionaries(
        {
            "action_type": st.sampled_from(step_types),
            "parameters": st.dictionaries(st.sampled_from(STEP_KEYS), JSON, max_size=4),
        },
        optional={"name": st.text(max_size=8)},
    )
    for name, tool in sorted(tools.items()):
        keys = sorted(tool["inputSchema"].get("properties", {})) + ["junk"]
        value = st.lists(step, min_size=1, max_size=3) | JSON if name == "propose_action" else JSON
        arguments = st.dictionaries(st.sampled_from(keys), value, max_size=4)
        if name in ("get_action", "cancel_action", "read_record"):
            arguments = arguments.map(lambda args: {"id": 10**9, **args} if "id" not in args else args)
        fuzz_tool(mcp_http, pg, name, arguments)


def fuzz_tool(mcp_http, pg, name, arguments):  # noqa: F811
    @FUZZ
    @given(arguments=arguments)
    def fuzz(arguments):
        before = fingerprint(pg)
        (answer,) = post(
            mcp_http,
            {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": arguments}},
        )
        if refused(answer):
            assert fingerprint(pg) == before, f"a refused {name} call changed the database: {answer}"

    fuzz()
