"""The JSON-RPC API over real HTTP against a live server, as an integrator's agent uses it."""

import json
import os
import subprocess
import sys
import uuid

import requests

from devtools.odoo_server import PROJECT_DIR

from .conftest import JsonRpcClient

PROPOSE = "/aiom/api/v1/actions/propose"
SEARCH = "/aiom/api/v1/actions/search"
GET = "/aiom/api/v1/actions/get"
APPROVE = "/aiom/api/v1/actions/approve"
REJECT = "/aiom/api/v1/actions/reject"
PREVIEW = "/aiom/api/v1/actions/preview"
COMPAT = "/api/ai-coo/approve-action"


def unique(text):
    return f"{text} {uuid.uuid4().hex[:8]}"


def create_partner_proposal(name, **extra):
    return {
        "name": f"Create contact {name}",
        "action_type": "odoo_create",
        "parameters": {"model": "res.partner", "values": {"name": name}},
        "rationale": "Signed the last purchase order",
        "confidence": 0.8,
        "risk_level": "low",
        "agent": "e2e-agent",
        **extra,
    }


def test_propose_get_and_approve(approver_api, admin_rpc, api_users):
    """Propose, read back and approve; the partner exists for another user afterwards."""
    name = unique("Jane Brooks")
    proposed = approver_api.call(PROPOSE, **create_partner_proposal(name))
    assert proposed["state"] == "pending" and proposed["error_message"] is None
    action = approver_api.call(GET, id=proposed["id"])
    assert action["name"] == f"Create contact {name}"
    assert action["source"] == "api" and action["agent"] == "e2e-agent"
    assert action["proposed_by_id"]["id"] == api_users["approver"]["id"]
    assert action["steps"][0]["parameters"]["values"]["name"] == name
    assert action["create_date"].endswith("+00:00")
    approved = approver_api.call(APPROVE, id=proposed["id"])
    assert approved["success"] is True and approved["state"] == "executed" and approved["error"] is None
    record_id = approved["result"]["odoo_create"]["record_id"]
    found = admin_rpc.call_kw(
        "res.partner", "search_read", [[["id", "=", record_id]]], {"fields": ["name", "create_uid"]}
    )
    assert found[0]["name"] == name
    assert found[0]["create_uid"][0] == api_users["approver"]["id"], "executed as the key's user"
    executed = approver_api.call(GET, id=proposed["id"])
    assert executed["approved_by_id"]["id"] == api_users["approver"]["id"]
    assert executed["executed_date"] and executed["steps"][0]["state"] == "done"


def test_propose_workflow_and_idempotency(approver_api):
    """A workflow proposal keeps its steps; the same idempotency key returns the first action."""
    key = unique("lead-followup")
    params = {
        "name": "Create and greet a contact",
        "steps": [
            {
                "name": "contact",
                "action_type": "odoo_create",
                "parameters": {"model": "res.partner", "values": {"name": unique("W")}},
            },
            {
                "name": "hello",
                "action_type": "message_post",
                "parameters": {"model": "res.partner", "res_id": "{{ steps.contact.record_id }}", "body": "Welcome"},
            },
        ],
        "idempotency_key": key,
    }
    first = approver_api.call(PROPOSE, **params)
    again = approver_api.call(PROPOSE, **params)
    assert again["id"] == first["id"]
    action = approver_api.call(GET, id=first["id"])
    assert action["action_type"] == "workflow"
    assert [step["name"] for step in action["steps"]] == ["contact", "hello"]
    approved = approver_api.call(APPROVE, id=first["id"])
    assert approved["success"], approved
    assert set(approved["result"]) == {"contact", "hello"}


def test_preview_in_words(approver_api):
    """preview says what approving would do, by name and label, without doing it."""
    company = unique("Preview Corner")
    params = {
        "name": "Create a company and its contact",
        "steps": [
            {
                "name": "company",
                "action_type": "odoo_create",
                "parameters": {"model": "res.partner", "values": {"name": company, "is_company": True}},
            },
            {
                "name": "contact",
                "action_type": "odoo_create",
                "parameters": {
                    "model": "res.partner",
                    "values": {"name": unique("Pat"), "parent_id": "{{ steps.company.record_id }}", "type": "invoice"},
                },
            },
        ],
    }
    proposed = approver_api.call(PROPOSE, **params)
    preview = approver_api.call(PREVIEW, id=proposed["id"])
    assert preview["id"] == proposed["id"] and preview["state"] == "pending" and preview["drift"] == []
    first, second = preview["steps"]
    assert first["title"] == "Create a Contact" and first["label"] == "Create a record"
    assert {"label": "Name", "new": company} in first["values"]
    shown = {row["label"]: row["new"] for row in second["values"]}
    assert shown["Related Company"] == "(the Contact created by step 1)"
    assert shown["Address Type"] == "Invoice Address"
    assert approver_api.call(GET, id=proposed["id"])["state"] == "pending", "previewing does nothing"


def test_preview_errors(approver_api, plain_api, api_users, live_server):
    """preview answers like the other routes: parameters named, another company's action hidden."""
    cases = [
        ({}, "ValidationError", "'id' is required"),
        ({"id": "12"}, "ValidationError", "'id' must be an integer"),
        ({"id": 999999999}, "MissingError", "999999999 does not exist"),
        ({"id": 1, "steps": True}, "ValidationError", "Unknown parameter(s): steps"),
    ]
    for params, name, text in cases:
        error = approver_api.error(PREVIEW, **params)
        assert error["data"]["name"] == f"odoo.exceptions.{name}", (params, error["data"])
        assert text in error["data"]["message"], (params, error["data"]["message"])
    foreign = approver_api.error(PREVIEW, id=api_users["foreign_action_id"])
    assert foreign["data"]["name"] == "odoo.exceptions.AccessError"
    anonymous = JsonRpcClient(live_server).post(PREVIEW, {"id": 1})
    assert anonymous.json()["error"]["data"]["name"].endswith(("SessionExpiredException", "Unauthorized"))
    proposed = plain_api.call(PROPOSE, **create_partner_proposal(unique("Plain preview")))
    assert plain_api.call(PREVIEW, id=proposed["id"])["steps"][0]["title"] == "Create a Contact"


def test_search_with_paging(approver_api):
    """search pages through actions by state, newest first, with the total count."""
    for _index in range(3):
        approver_api.call(PROPOSE, **create_partner_proposal(unique("Paged")))
    first_page = approver_api.call(SEARCH, state="pending", limit=2, offset=0)
    second_page = approver_api.call(SEARCH, state="pending", limit=2, offset=2)
    assert first_page["count"] >= 3 and first_page["count"] == second_page["count"]
    assert len(first_page["actions"]) == 2
    first_ids = {action["id"] for action in first_page["actions"]}
    assert not first_ids & {action["id"] for action in second_page["actions"]}
    assert all(action["state"] == "pending" for action in first_page["actions"] + second_page["actions"])
    several = approver_api.call(SEARCH, state=["pending", "executed"], limit=500)
    assert {action["state"] for action in several["actions"]} <= {"pending", "executed"}


def test_reject_with_reason(approver_api):
    """reject records the reason and who rejected."""
    proposed = approver_api.call(PROPOSE, **create_partner_proposal(unique("Rejected")))
    assert approver_api.call(REJECT, id=proposed["id"], reason="Duplicate contact") == {
        "success": True,
        "state": "rejected",
    }
    action = approver_api.call(GET, id=proposed["id"])
    assert action["reject_reason"] == "Duplicate contact"
    assert action["rejected_by_id"] is not None


def test_failed_execution_is_reported_not_raised(approver_api, admin_rpc):
    """An action that fails to execute answers success false with the reason."""
    created = admin_rpc.call_kw("res.partner", "create", [{"name": unique("Deleted before approval")}])
    proposed = approver_api.call(
        PROPOSE,
        name="Update a contact deleted meanwhile",
        action_type="odoo_update",
        parameters={"model": "res.partner", "ids": [created], "values": {"ref": "x"}},
    )
    admin_rpc.call_kw("res.partner", "unlink", [[created]])
    approved = approver_api.call(APPROVE, id=proposed["id"])
    assert approved["success"] is False and approved["state"] == "failed"
    assert str(created) in approved["error"]


def test_compatibility_route_ignores_user_id(approver_api, api_users):
    """The old route approves as the authenticated user, whatever userId says (JSON-RPC envelope)."""
    proposed = approver_api.call(PROPOSE, **create_partner_proposal(unique("Compat")))
    reply = approver_api.call(COMPAT, actionId=proposed["id"], userId=2)
    assert reply["success"] is True and reply["status"] == "executed" and reply["error"] is None
    assert reply["result"]["odoo_create"]["record_id"]
    assert approver_api.call(GET, id=proposed["id"])["approved_by_id"]["id"] == api_users["approver"]["id"]
    again = approver_api.call(COMPAT, actionId=proposed["id"])
    assert again["success"] is False and again["status"] == "executed" and "already executed" in again["error"]
    missing = approver_api.call(COMPAT, actionId=999999999)
    assert missing == {
        "success": False,
        "status": None,
        "result": None,
        "error": "AI COO action 999999999 does not exist.",
    }


def seed_fetch(base_url, body, key=None, session=None, content_type="application/json"):
    """The seed dashboard's call, replayed: fetch('/api/ai-coo/approve-action', {method: 'POST',
    headers: {'Content-Type': 'application/json'}, body: JSON.stringify({actionId, userId})})."""
    headers = {"Content-Type": content_type}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = body if isinstance(body, str) else json.dumps(body)
    return (session or requests).post(f"{base_url}{COMPAT}", data=data, headers=headers, timeout=60)


def test_seed_client_plain_json_with_an_api_key(live_server, approver_api, api_users):
    """The plain body the seed's dashboard sends: response.ok && data.success, data.status 'executed';
    the id may be a numeric string; approving again says it is already executed."""
    proposed = approver_api.call(PROPOSE, **create_partner_proposal(unique("Seed")))
    key = api_users["approver"]["key"]
    response = seed_fetch(live_server, {"actionId": str(proposed["id"]), "userId": "u-42"}, key=key)
    assert response.ok and response.headers["Content-Type"].startswith("application/json"), response.text[:300]
    data = response.json()
    assert data["success"] is True and data["status"] == "executed" and data["error"] is None, data
    assert data["result"]["odoo_create"]["record_id"]
    action = approver_api.call(GET, id=proposed["id"])
    assert action["approved_by_id"]["id"] == api_users["approver"]["id"], "the key's user, not userId"
    again = seed_fetch(live_server, {"actionId": proposed["id"], "userId": "u-42"}, key=key)
    assert again.status_code == 200
    data = again.json()
    assert data["success"] is False and data["status"] == "executed", data
    assert isinstance(data["error"], str) and "already executed" in data["error"]


def test_seed_client_plain_json_with_a_session(live_server, approver_api, admin_session):
    """From a logged-in page (the browser session, no key) the plain body approves too."""
    proposed = approver_api.call(PROPOSE, **create_partner_proposal(unique("Seed session")))
    response = seed_fetch(live_server, {"actionId": proposed["id"], "userId": 1}, session=admin_session)
    assert response.ok, response.text[:300]
    assert response.json()["success"] is True and response.json()["status"] == "executed"
    assert "Access-Control-Allow-Origin" not in response.headers, "no CORS: other sites cannot call it"


def test_seed_client_failed_and_refused(live_server, approver_api, plain_api, api_users, admin_rpc):
    """A failed execution reports the failure; a user without approval rights and an unknown or
    malformed id get a readable error; nothing is executed."""
    doomed = admin_rpc.call_kw("res.partner", "create", [{"name": unique("Deleted before approval")}])
    failing = approver_api.call(
        PROPOSE,
        name="Update a contact deleted meanwhile",
        action_type="odoo_update",
        parameters={"model": "res.partner", "ids": [doomed], "values": {"ref": "x"}},
    )
    admin_rpc.call_kw("res.partner", "unlink", [[doomed]])
    data = seed_fetch(live_server, {"actionId": failing["id"]}, key=api_users["approver"]["key"]).json()
    assert data["success"] is False and data["status"] == "failed" and str(doomed) in data["error"], data
    pending = approver_api.call(PROPOSE, **create_partner_proposal(unique("Not yours")))
    data = seed_fetch(live_server, {"actionId": pending["id"]}, key=api_users["plain"]["key"]).json()
    assert data["success"] is False and data["status"] == "pending" and data["error"], data
    for body, expected in (
        ({"actionId": 999999999}, "AI COO action 999999999 does not exist."),
        ({"actionId": "12abc"}, "Parameter 'actionId' must be an integer, not '12abc'."),
        ({"userId": 2}, "Parameter 'actionId' is required."),
        ({"actionId": pending["id"], "force": True}, "Unknown parameter(s): force."),
    ):
        response = seed_fetch(live_server, body, key=api_users["approver"]["key"])
        assert response.status_code == 200
        assert response.json() == {"success": False, "status": None, "result": None, "error": expected}
    assert approver_api.call(GET, id=pending["id"])["state"] == "pending"


def test_seed_client_without_credentials_or_json(live_server, approver_api, api_users, admin_session):
    """No or a bad key: HTTP 401 with {success: false, error}. Another content type (what a
    cross-site form could send with the session cookie): HTTP 415. Malformed JSON: 400. Nothing done."""
    proposed = approver_api.call(PROPOSE, **create_partner_proposal(unique("Unauthenticated")))
    body = {"actionId": proposed["id"], "userId": 1}
    anonymous = seed_fetch(live_server, body)
    assert anonymous.status_code == 401, anonymous.text[:300]
    assert anonymous.json()["success"] is False and "API key" in anonymous.json()["error"]
    bad_key = seed_fetch(live_server, body, key="not-a-real-key")
    assert bad_key.status_code == 401 and bad_key.json()["error"] == "Invalid API key."
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        refused = seed_fetch(live_server, body, session=admin_session, content_type=content_type)
        assert refused.status_code == 415, refused.text[:300]
        assert refused.json()["success"] is False and "application/json" in refused.json()["error"]
    malformed = seed_fetch(live_server, "{actionId: 1", key=api_users["approver"]["key"])
    assert malformed.status_code == 400 and malformed.json()["success"] is False
    envelope = JsonRpcClient(live_server).post(COMPAT, {"actionId": proposed["id"]})
    assert envelope.status_code == 200 and "error" in envelope.json(), "JSON-RPC clients get a JSON-RPC error"
    assert approver_api.call(GET, id=proposed["id"])["state"] == "pending"


def test_authentication_errors(live_server, api_users):
    """No credentials or a bad key: a JSON-RPC error, nothing done."""
    anonymous = JsonRpcClient(live_server)
    reply = anonymous.post(SEARCH, {})
    assert reply.headers["Content-Type"].startswith("application/json"), reply.text[:200]
    assert reply.json()["error"]["data"]["name"].endswith(("SessionExpiredException", "Unauthorized"))
    bad_key = JsonRpcClient(live_server, "not-a-real-key")
    reply = bad_key.post(PROPOSE, create_partner_proposal("Nobody"))
    assert reply.headers["Content-Type"].startswith("application/json"), reply.text[:200]
    assert "Invalid apikey" in reply.json()["error"]["data"]["message"]


def test_access_errors(approver_api, plain_api, api_users):
    """A user without the approver group cannot approve; another company's action stays hidden."""
    proposed = plain_api.call(PROPOSE, **create_partner_proposal(unique("Plain")))
    assert proposed["state"] == "pending", "plain users may propose"
    error = plain_api.error(APPROVE, id=proposed["id"])
    assert error["data"]["name"] == "odoo.exceptions.AccessError"
    assert "approvers" in error["data"]["message"]
    assert approver_api.call(GET, id=proposed["id"])["state"] == "pending", "the refused call changed nothing"
    foreign = approver_api.error(GET, id=api_users["foreign_action_id"])
    assert foreign["data"]["name"] == "odoo.exceptions.AccessError"
    foreign_approve = approver_api.error(APPROVE, id=api_users["foreign_action_id"])
    assert foreign_approve["data"]["name"] == "odoo.exceptions.AccessError"


def test_parameter_errors_name_the_parameter(approver_api):
    """Missing, mistyped, out-of-range and unknown parameters and ids: errors that say which."""
    cases = [
        (GET, {}, "ValidationError", "'id' is required"),
        (GET, {"id": "12"}, "ValidationError", "'id' must be an integer"),
        (GET, {"id": 999999999}, "MissingError", "999999999 does not exist"),
        (SEARCH, {"limit": 501}, "ValidationError", "'limit' must be in 1..500"),
        (SEARCH, {"offset": -1}, "ValidationError", "'offset'"),
        (SEARCH, {"state": "done"}, "ValidationError", "'state' must be one of"),
        (SEARCH, {"colour": "red"}, "ValidationError", "Unknown parameter(s): colour"),
        (PROPOSE, {"action_type": "odoo_create", "parameters": {}}, "ValidationError", "'name'"),
        (PROPOSE, {"name": "x", "action_type": "rm_rf", "parameters": {}}, "ValidationError", "unknown action type"),
        (
            PROPOSE,
            {"name": "x", "action_type": "odoo_create", "parameters": {"model": "res.partner", "values": {"nope": 1}}},
            "ValidationError",
            "no field 'nope'",
        ),
        (PROPOSE, {"name": "x", "steps": "not a list"}, "ValidationError", "'steps'"),
        (
            PROPOSE,
            {"name": "x", "action_type": "odoo_search", "parameters": {"model": "res.partner"}, "confidence": "high"},
            "ValidationError",
            "'confidence'",
        ),
        (REJECT, {"id": 1, "reason": ["no"]}, "ValidationError", None),
    ]
    for route, params, name, text in cases:
        error = approver_api.error(route, **params)
        assert error["data"]["name"] == f"odoo.exceptions.{name}", (route, params, error["data"])
        if text:
            assert text in error["data"]["message"], (route, params, error["data"]["message"])


def test_malformed_requests_never_500(live_server, api_users):
    """Malformed JSON and unknown routes: a clear 4xx answer, never a 500 or a traceback page."""
    headers = {"Authorization": f"Bearer {api_users['approver']['key']}", "Content-Type": "application/json"}
    reply = requests.post(
        f"{live_server}{PROPOSE}", data=b'{"jsonrpc": "2.0", "params": {', headers=headers, timeout=30
    )
    assert reply.status_code == 400
    assert "Invalid JSON" in reply.text and "Traceback" not in reply.text
    unknown = JsonRpcClient(live_server, api_users["approver"]["key"]).post("/aiom/api/v1/actions/explode", {})
    assert unknown.status_code == 404 or unknown.json()["error"]["code"] == 404
    assert "Traceback" not in unknown.text


def test_guardrails_apply_to_the_api(approver_api):
    """A proposal that breaks a guardrail comes back blocked with the rule, and cannot be approved."""
    blocked = approver_api.call(
        PROPOSE,
        name="Make me an administrator",
        action_type="odoo_update",
        parameters={"model": "res.users", "ids": [2], "values": {"login": "pwned"}},
    )
    assert blocked["state"] == "blocked"
    assert "Guardrail 'built-in: security and configuration models'" in blocked["error_message"]
    error = approver_api.error(APPROVE, id=blocked["id"])
    assert error["data"]["name"] == "odoo.exceptions.UserError"
    assert "cannot go from Blocked" in error["data"]["message"] or "already blocked" in error["data"]["message"]


def test_example_client_runs_twice(live_server, api_users):
    """examples/aiom_client.py proposes and approves; run again, it finds the same action executed."""
    env = dict(os.environ, AIOM_URL=live_server, AIOM_API_KEY=api_users["approver"]["key"])
    command = [sys.executable, str(PROJECT_DIR / "examples" / "aiom_client.py")]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "'state': 'executed'" in first.stdout, first.stdout
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    assert first.stdout.split(":")[0] == again.stdout.split(":")[0], "the same action id"
    assert "already executed" in again.stdout, again.stdout
