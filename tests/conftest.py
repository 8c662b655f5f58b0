"""Fixtures for the end-to-end tests: a live Odoo server on a free port, over real HTTP."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _required_env(name):
    value = os.environ.get(name)
    if not value:
        pytest.exit(f"{name} is not set: run the end-to-end tests through scripts/test.sh", returncode=4)
    return value


def odoo_command(*args):
    """Command line of this checkout's Odoo with the test configuration; a subcommand may come first."""
    config = _required_env("AIOM_ODOO_CONFIG")
    subcommand = [args[0]] if args and not args[0].startswith("-") else []
    return [
        sys.executable,
        str(Path(sys.executable).parent / "odoo"),
        *subcommand,
        "-c",
        config,
        *args[len(subcommand) :],
    ]


def run_odoo(*args, stdin=None, timeout=600):
    """Run a one-off Odoo command (install, upgrade, shell); fail the test with its output."""
    process = subprocess.run(
        odoo_command(*args), input=stdin, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert process.returncode == 0, f"odoo {' '.join(args)} failed:\n{process.stdout}\n{process.stderr}"
    return process


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OdooServer:
    """An Odoo server process on the test database, started and stopped by the tests."""

    def __init__(self, *extra):
        self.database = _required_env("AIOM_TEST_DB")
        self.port = _free_port()
        self.extra = [*extra, f"--gevent-port={_free_port()}"] if "--workers=2" in extra else list(extra)
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = PROJECT_DIR / ".local" / f"live-server-{self.port}.log"
        self.process = None

    def start(self):
        database = self.database
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                odoo_command(
                    "-d",
                    database,
                    f"--db-filter=^{database}$",
                    f"--http-port={self.port}",
                    "--http-interface=127.0.0.1",
                    "--max-cron-threads=0",
                    *self.extra,
                ),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{self.base_url}/web/health", timeout=2).status_code == 200:
                    return self
            except (requests.ConnectionError, requests.Timeout):  # refused, or busy loading the registry
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"the Odoo server did not start:\n{self.log_path.read_text()[-4000:]}")
            time.sleep(0.2)  # polling for readiness, not synchronising test steps

    def kill(self):
        """SIGKILL the whole process group: no clean shutdown, as a crash would be."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


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
    "approver": {"id": approver.id, "key": approver_key},
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
