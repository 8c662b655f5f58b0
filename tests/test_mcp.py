"""The MCP endpoint ``/aiom/mcp`` over real HTTP, driven by the official ``mcp`` SDK's streamable
HTTP client, unchanged, as an AI agent (Claude Desktop, an agent framework) would connect."""

import json
import uuid

import anyio
import httpx2
import pytest
import requests
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import Implementation

from .conftest import JsonRpcClient

MCP = "/aiom/mcp"
TOOLS = {
    "search_records",
    "read_record",
    "propose_action",
    "get_action",
    "preview_action",
    "list_actions",
    "cancel_action",
    "explain_guardrails",
}


def unique(text):
    return f"{text} {uuid.uuid4().hex[:8]}"


def run_agent(base_url, key, script, name="e2e-agent"):
    """Run ``script(client)`` inside an SDK client session with ``key``; return what it returns."""

    async def main():
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
            transport = streamable_http_client(f"{base_url}{MCP}", http_client=http)
            async with Client(transport, client_info=Implementation(name=name, version="1.0")) as client:
                return await script(client)

    return anyio.run(main)


def structured(result):
    assert not result.is_error, result.content
    # The text content is the same data, for clients that read text only.
    assert json.loads(result.content[0].text) == result.structured_content
    return result.structured_content


def workflow(partner_name):
    return {
        "name": f"Onboard {partner_name}",
        "rationale": "Asked for a quote through the website",
        "confidence": 0.8,
        "risk_level": "low",
        "steps": [
            {
                "name": "contact",
                "action_type": "odoo_create",
                "parameters": {"model": "res.partner", "values": {"name": partner_name, "email": "jo@example.com"}},
            },
            {
                "name": "welcome_call",
                "action_type": "activity_schedule",
                "parameters": {
                    "model": "res.partner",
                    "res_id": "{{ steps.contact.record_id }}",
                    "summary": "Welcome call",
                    "days": 2,
                },
            },
        ],
    }


def test_agent_proposes_and_sees_the_approval(live_server, api_users, admin_rpc):
    """initialize, list the tools, search, propose a workflow, read it back, a blocked proposal; a
    person approves through the JSON-RPC API and the agent sees the action executed."""
    partner_name = unique("Jo Rivera")

    async def propose(client):
        assert client.protocol_version == "2025-11-25"
        assert client.server_info.name == "aiom_coo"
        assert "propose_action" in client.instructions
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert set(tools) == TOOLS, "no tool approves"
        steps_schema = tools["propose_action"].input_schema["properties"]["steps"]
        step_types = {option["properties"]["action_type"]["enum"][0] for option in steps_schema["items"]["anyOf"]}
        assert {"odoo_create", "odoo_update", "odoo_search", "email_send", "message_post", "activity_schedule"} <= (
            step_types
        ), "the whole step vocabulary, from the step handler's registry"
        assert tools["search_records"].annotations.read_only_hint is True
        found = structured(
            await client.call_tool(
                "search_records",
                {"model": "res.partner", "domain": [["id", "=", api_users["approver"]["partner_id"]]], "limit": 5},
            )
        )
        assert found["count"] == 1 and found["records"][0]["display_name"] == "Api Approver"
        record = structured(
            await client.call_tool(
                "read_record", {"model": "res.partner", "id": api_users["approver"]["partner_id"], "fields": ["name"]}
            )
        )
        assert record["record"] == {"id": api_users["approver"]["partner_id"], "name": "Api Approver"}
        proposed = structured(await client.call_tool("propose_action", workflow(partner_name)))
        assert proposed["state"] == "pending" and proposed["error_message"] is None
        action = structured(await client.call_tool("get_action", {"id": proposed["id"]}))
        preview = structured(await client.call_tool("preview_action", {"id": proposed["id"]}))
        assert [step["name"] for step in preview["steps"]] == ["contact", "welcome_call"]
        assert partner_name in json.dumps(preview) and "step 1" in json.dumps(preview)
        blocked = await client.call_tool(
            "propose_action",
            {
                "name": "Read the groups",
                "steps": [{"action_type": "odoo_search", "parameters": {"model": "res.groups"}}],
            },
        )
        listed = structured(await client.call_tool("list_actions", {"state": "pending", "mine": True, "limit": 500}))
        return proposed["id"], action, blocked, listed

    action_id, action, blocked, listed = run_agent(live_server, api_users["plain"]["key"], propose)
    assert action["source"] == "mcp" and action["agent"] == "e2e-agent"
    assert action["proposed_by_id"]["id"] == api_users["plain"]["id"]
    assert [step["name"] for step in action["steps"]] == ["contact", "welcome_call"]
    assert action["steps"][1]["parameters"]["res_id"] == "{{ steps.contact.record_id }}"
    assert blocked.is_error, "a blocked proposal is a refusal the agent reads"
    assert blocked.structured_content["state"] == "blocked"
    assert blocked.structured_content["rule"] == "built-in: security and configuration models"
    assert "res.groups" in blocked.content[0].text
    assert action_id in [listed_action["id"] for listed_action in listed["actions"]]

    approver = JsonRpcClient(live_server, api_users["approver"]["key"])
    approved = approver.call("/aiom/api/v1/actions/approve", id=action_id)
    assert approved["state"] == "executed", approved

    async def poll(client):
        return structured(await client.call_tool("get_action", {"id": action_id}))

    seen = run_agent(live_server, api_users["plain"]["key"], poll)
    assert seen["state"] == "executed"
    assert seen["approved_by_id"]["id"] == api_users["approver"]["id"]
    assert [step["state"] for step in seen["steps"]] == ["done", "done"]
    created = admin_rpc.call_kw("res.partner", "search_read", [[["name", "=", partner_name]]], {"fields": ["name"]})
    assert len(created) == 1


def test_refusals_are_tool_results_and_change_nothing(live_server, api_users):
    """A floor violation in a search, an unknown record, someone else's action: isError results
    that name the rule or the exception; cancelling one's own proposal works."""

    async def script(client):
        groups = await client.call_tool("search_records", {"model": "res.users", "fields": ["login"]})
        hidden = await client.call_tool("read_record", {"model": "res.partner", "id": 10**9})
        nul = await client.call_tool("search_records", {"model": "res.partner", "domain": [["name", "=", "a\x00b"]]})
        bad_arguments = await client.call_tool("propose_action", {"name": "No plan"})
        own = structured(
            await client.call_tool(
                "propose_action",
                {
                    "name": unique("Note"),
                    "steps": [{"action_type": "odoo_search", "parameters": {"model": "res.partner"}}],
                },
            )
        )
        cancelled = structured(await client.call_tool("cancel_action", {"id": own["id"]}))
        foreign = await client.call_tool("cancel_action", {"id": api_users["foreign_action_id"]})
        guardrails = structured(await client.call_tool("explain_guardrails", {}))
        resources = await client.list_resources()
        policy = await client.read_resource("aiom://guardrails")
        return groups, hidden, nul, bad_arguments, cancelled, foreign, guardrails, resources, policy

    groups, hidden, nul, bad_arguments, cancelled, foreign, guardrails, resources, policy = run_agent(
        live_server, api_users["approver"]["key"], script
    )
    assert groups.is_error
    assert groups.structured_content["error"]["rule"] == "built-in: security and configuration models"
    assert groups.structured_content["error"]["name"] == "odoo.exceptions.ValidationError"
    assert hidden.is_error and "do not exist or" in hidden.content[0].text
    assert nul.is_error and "NUL" in nul.content[0].text
    assert bad_arguments.is_error and "lacks 'steps'" in bad_arguments.content[0].text
    assert cancelled["state"] == "cancelled"
    assert foreign.is_error and foreign.structured_content["error"]["name"] in (
        "odoo.exceptions.AccessError",
        "odoo.exceptions.MissingError",
    )
    assert guardrails["max_search_records"] == 500 and "res.users" in guardrails["built_in"]["denied_model_prefixes"]
    assert {resource.uri for resource in resources.resources} == {"aiom://actions/pending", "aiom://guardrails"}
    assert json.loads(policy.contents[0].text)["mode"] == guardrails["mode"]


def test_bad_key_is_refused(live_server):
    """No key or a bad one: HTTP 401 with WWW-Authenticate, and the SDK client cannot connect."""
    reply = requests.post(f"{live_server}{MCP}", json={"jsonrpc": "2.0", "id": 1, "method": "ping"}, timeout=30)
    assert reply.status_code == 401 and reply.headers["WWW-Authenticate"].startswith("Bearer")
    assert reply.json()["error"]["message"].startswith("Authentication required")

    async def never(client):
        raise AssertionError("connected with a bad key")

    with pytest.raises(BaseException) as caught:
        run_agent(live_server, "not-a-key", never)
    errors = leaves(caught.value)
    assert any(isinstance(error, MCPError) and error.error.message == "Invalid API key." for error in errors), errors


def leaves(error):
    """The exceptions inside anyio's task-group exception groups."""
    inner = getattr(error, "exceptions", None)  # an exception group (Python 3.11+, or the backport)
    if inner:
        return [leaf for exception in inner for leaf in leaves(exception)]
    return [error]


def test_transport_answers(live_server, api_users):
    """Malformed requests, unknown methods, batches, notifications, GET and DELETE, per the transport."""
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {api_users['plain']['key']}"
    url = f"{live_server}{MCP}"

    def post(body, **headers):
        data = body if isinstance(body, str) else json.dumps(body)
        return http.post(url, data=data, headers={"Content-Type": "application/json", **headers}, timeout=30)

    broken = post("{not json")
    assert broken.status_code == 400 and broken.json()["error"]["code"] == -32700
    assert post({"jsonrpc": "2.0", "id": 1, "method": "nope"}).json()["error"]["code"] == -32601
    assert (
        post({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "approve"}}).json()["error"]["code"]
        == -32602
    ), "no approve tool"
    assert post({"id": 3, "method": "ping"}).json()["error"]["code"] == -32600
    assert post([]).json()["error"]["code"] == -32600
    batch = post(
        [
            {"jsonrpc": "2.0", "method": "notifications/initialized"},
            {"jsonrpc": "2.0", "id": "a", "method": "ping"},
            {"jsonrpc": "2.0", "id": "b", "method": "tools/list"},
        ]
    ).json()
    assert [item["id"] for item in batch] == ["a", "b"] and batch[0]["result"] == {}
    notification = post({"jsonrpc": "2.0", "method": "notifications/initialized"})
    assert notification.status_code == 202 and not notification.content
    old = post({"jsonrpc": "2.0", "id": 4, "method": "initialize", "params": {"protocolVersion": "2025-03-26"}})
    assert old.json()["result"]["protocolVersion"] == "2025-03-26"
    session = old.headers["Mcp-Session-Id"]
    assert post({"jsonrpc": "2.0", "id": 5, "method": "ping"}, **{"Mcp-Session-Id": session}).status_code == 200
    assert post({"jsonrpc": "2.0", "id": 6, "method": "ping"}, **{"Mcp-Session-Id": session + "x"}).status_code == 404
    unknown_version = post({"jsonrpc": "2.0", "id": 7, "method": "ping"}, **{"MCP-Protocol-Version": "1999-01-01"})
    assert unknown_version.status_code == 400
    assert "2025-11-25" in unknown_version.json()["error"]["data"]["supported"]
    assert http.post(url, data="x", headers={"Content-Type": "text/plain"}, timeout=30).status_code == 415
    assert post({"jsonrpc": "2.0", "id": 8, "method": "ping"}, Origin="http://evil.example").status_code == 403
    assert http.get(url, headers={"Accept": "text/event-stream"}, timeout=30).status_code == 405
    assert http.delete(url, timeout=30).status_code == 405
