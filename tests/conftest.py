"""Fixtures for the end-to-end tests: a live Odoo server on a free port, over real HTTP."""

import json
import os

import pytest
import requests

from devtools import odoo_server
from devtools.odoo_server import OdooError


def _required_env(name):
    value = os.environ.get(name)
    if not value:
        pytest.exit(f"{name} is not set: run the end-to-end tests through scripts/test.sh", returncode=4)
    return value


def run_odoo(*args, stdin=None, timeout=600):
    """Run a one-off Odoo command (install, upgrade, shell) with the test configuration; fail the
    test with its output."""
    try:
        return odoo_server.run_odoo(_required_env("AIOM_ODOO_CONFIG"), *args, stdin=stdin, timeout=timeout)
    except OdooError as error:
        pytest.fail(str(error))


class OdooServer(odoo_server.OdooServer):
    """An Odoo server process on the test database, started and stopped by the tests."""

    def __init__(self, *extra):
        super().__init__(_required_env("AIOM_ODOO_CONFIG"), _required_env("AIOM_TEST_DB"), *extra)

    def start(self, timeout=120):
        try:
            return super().start(timeout)
        except OdooError as error:
            pytest.fail(str(error))


@pytest.fixture(scope="session")
def live_server():
    """A threaded Odoo server on the test database; yields its base URL."""
    server = OdooServer().start()
    yield server.base_url
    server.stop()


@pytest.fixture
def admin_session(live_server):
    """A requests session logged in as admin through the web login JSON route."""
    session = requests.Session()
    reply = session.post(
        f"{live_server}/web/session/authenticate",
        json={
            "jsonrpc": "2.0",
            "params": {"db": os.environ["AIOM_TEST_DB"], "login": "admin", "password": "admin"},
        },
        timeout=30,
    )
    reply.raise_for_status()
    assert reply.json()["result"]["uid"], reply.text
    return session


API_FIXTURE_SCRIPT = """
import json
import uuid
from datetime import timedelta
from odoo import Command, fields
run = uuid.uuid4().hex[:6]  # unique names: the fixture may run on a database used before
other = env["res.company"].create({"name": "AIOM Other Company " + run})
def user(login, groups, company=env.company):
    record = env["res.users"].create({
        "name": login.replace("_", " ").title(), "login": login + "_" + run, "email": login + run + "@example.com",
        "company_id": company.id, "company_ids": [Command.set([company.id])],
        "groups_id": [Command.set([env.ref(g).id for g in groups])],
    })
    expires = fields.Datetime.now() + timedelta(hours=12)
    key = env["res.users.apikeys"].with_user(record)._generate(None, "e2e tests", expires)
    return record, key
approver, approver_key = user("api_approver", ["aiom_coo.group_aiom_approver", "base.group_partner_manager"])
plain, plain_key = user("api_plain_user", ["aiom_coo.group_aiom_user"])
foreign = env["aiom.action"].with_company(other).propose({
    "name": "Other company's action", "action_type": "odoo_search",
    "parameters": {"model": "res.partner"}, "company_id": other.id,
})
env.cr.commit()
print("AIOM_FIXTURE=" + json.dumps({
    "approver": {"id": approver.id, "key": approver_key, "partner_id": approver.partner_id.id},
    "plain": {"id": plain.id, "key": plain_key},
    "foreign_action_id": foreign.id,
}))
"""


@pytest.fixture(scope="session")
def api_users(live_server):
    """Users with API keys (an approver, a plain AI COO user) and another company's action."""
    output = run_odoo("shell", "-d", _required_env("AIOM_TEST_DB"), "--no-http", stdin=API_FIXTURE_SCRIPT).stdout
    line = next(line for line in output.splitlines() if line.startswith("AIOM_FIXTURE="))
    return json.loads(line.split("=", 1)[1])


class JsonRpcClient:
    """A JSON-RPC 2.0 client over real HTTP, as an integrator would write it."""

    def __init__(self, base_url, key=None, session=None):
        self.base_url = base_url
        self.http = session or requests.Session()
        if key:
            self.http.headers["Authorization"] = f"Bearer {key}"

    def post(self, route, params=None, **kwargs):
        return self.http.post(
            f"{self.base_url}{route}",
            json={"jsonrpc": "2.0", "method": "call", "params": params or {}, "id": 1},
            timeout=60,
            **kwargs,
        )

    def call(self, route, **params):
        """The result, or an AssertionError that shows the JSON-RPC error."""
        reply = self.post(route, params)
        assert reply.status_code == 200, reply.text[:500]
        body = reply.json()
        assert "error" not in body, body["error"]
        return body["result"]

    def error(self, route, **params):
        """The JSON-RPC error of a call that must fail."""
        reply = self.post(route, params)
        assert reply.status_code == 200, reply.text[:500]
        body = reply.json()
        assert "error" in body, body
        return body["error"]

    def call_kw(self, model, method, args, kwargs=None):
        return self.call("/web/dataset/call_kw", model=model, method=method, args=args, kwargs=kwargs or {})


@pytest.fixture
def approver_api(live_server, api_users):
    return JsonRpcClient(live_server, api_users["approver"]["key"])


@pytest.fixture
def plain_api(live_server, api_users):
    return JsonRpcClient(live_server, api_users["plain"]["key"])


@pytest.fixture
def admin_rpc(live_server, admin_session):
    return JsonRpcClient(live_server, session=admin_session)
