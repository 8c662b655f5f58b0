"""The queue_job bridge live: a prefork server with 2 workers and the jobrunner (queue_job loaded
server-wide) executes an API approval as a job, and a worker SIGKILLed mid-job leaves nothing
partial; the jobrunner requeues the dead job, which then executes the action once."""

import os
import signal
import time
from pathlib import Path

import psycopg2
import pytest

from .conftest import JsonRpcClient, OdooServer
from .test_reliability import (  # noqa: F401 - fixtures shared with this module
    APPROVE,
    GET,
    PROPOSE,
    admin_rpc,
    pg,
    scalar,
    smtp2go,
    unique,
    wait_for_lock_waiter,
    workflow,
)

QUEUE_PARAM = "aiom_coo_queue.queue_executions"


@pytest.fixture
def queue_server(monkeypatch, admin_rpc):  # noqa: F811 - the imported fixture
    """A prefork server with the jobrunner, and the queue setting on while it runs."""
    # scripts/test.sh turns the jobrunner off for the test process; this server runs one.
    monkeypatch.delenv("ODOO_QUEUE_JOB_MAX_CAPACITY", raising=False)
    monkeypatch.setenv("ODOO_QUEUE_JOB_CHANNELS", "root:2,root.aiom:1")
    admin_rpc.call_kw("ir.config_parameter", "set_param", [QUEUE_PARAM, "True"])
    server = OdooServer("--workers=2", "--load=base,web,queue_job").start()
    try:
        yield server
    finally:
        server.stop()
        admin_rpc.call_kw("ir.config_parameter", "set_param", [QUEUE_PARAM, False])


def parent_of(pid):
    """The parent process id, from /proc (Linux)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def job_of(action_id):
    """A LIKE pattern for the execution job of an action."""
    return f"aiom.action({action_id},)._aiom_job_execute%"


def wait_for_state(client, action_id, state, timeout=120):
    deadline = time.monotonic() + timeout
    while True:
        action = client.call(GET, id=action_id)
        if action["state"] == state or time.monotonic() > deadline:
            return action
        time.sleep(0.2)  # polling the API for the job's outcome


def test_worker_killed_mid_job_executes_once(queue_server, api_users, smtp2go, pg, admin_rpc):  # noqa: F811
    """Approve through the API (queued); SIGKILL the worker mid-job: the requeued job executes it once."""
    database = os.environ["AIOM_TEST_DB"]
    client = JsonRpcClient(queue_server.base_url, api_users["approver"]["key"])
    blocker = admin_rpc.call_kw("res.partner", "create", [{"name": unique("Locked Co")}])
    name = unique("Queued Co")
    action_id = client.call(PROPOSE, **workflow(name, blocker_id=blocker))["id"]
    smtp2go.requests.clear()
    holder = psycopg2.connect(pg.dsn)
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT id FROM res_partner WHERE id = %s FOR UPDATE", [blocker])
        reply = client.call(APPROVE, id=action_id)
        assert reply["queued"] and reply["state"] == "approved", reply
        backend = wait_for_lock_waiter(pg, database)
        # Step 'contact' ran and step 'touch_blocker' waits: the job is mid-way in its worker.
        worker_pid = scalar(pg, "SELECT worker_pid FROM queue_job WHERE func_string LIKE %s", job_of(action_id))
        assert worker_pid and parent_of(worker_pid) == queue_server.process.pid, "a worker of this server"
        os.kill(worker_pid, signal.SIGKILL)
        scalar(pg, "SELECT pg_terminate_backend(%s)", backend)
    finally:
        holder.rollback()
        holder.close()
    assert scalar(pg, "SELECT count(*) FROM res_partner WHERE name = %s", name) == 0, "no partial record"
    action = wait_for_state(client, action_id, "executed")
    assert action["state"] == "executed", action
    assert scalar(pg, "SELECT count(*) FROM res_partner WHERE name = %s", name) == 1
    assert len(smtp2go.requests) == 1
    states = scalar(pg, "SELECT string_agg(state, ',') FROM queue_job WHERE func_string LIKE %s", job_of(action_id))
    assert states == "done", states


def test_queued_approval_executes(queue_server, api_users):
    """An API approval answers queued at once; a worker executes it."""
    client = JsonRpcClient(queue_server.base_url, api_users["approver"]["key"])
    name = unique("Job Co")
    action_id = client.call(
        PROPOSE,
        name=name,
        action_type="odoo_create",
        parameters={"model": "res.partner", "values": {"name": name}},
    )["id"]
    reply = client.call(APPROVE, id=action_id)
    assert reply["queued"], reply
    action = wait_for_state(client, action_id, "executed")
    assert action["state"] == "executed", action
