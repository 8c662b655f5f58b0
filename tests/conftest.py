"""Fixtures for the end-to-end tests: a live Odoo server on a free port, over real HTTP."""

import os
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


@pytest.fixture(scope="session")
def live_server():
    """Start `odoo` on the test database in its own process; yield its base URL."""
    database = _required_env("AIOM_TEST_DB")
    port = _free_port()
    log_path = PROJECT_DIR / ".local" / f"live-server-{port}.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            odoo_command(
                "-d", database, f"--db-filter=^{database}$", f"--http-port={port}", "--http-interface=127.0.0.1"
            ),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if requests.get(f"{base_url}/web/health", timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the live Odoo server did not start:\n{log_path.read_text()[-4000:]}")
        time.sleep(0.2)  # polling for readiness, not synchronising test steps
    yield base_url
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


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
