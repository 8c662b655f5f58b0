"""MCP under load: ``tools/call propose_action`` on /aiom/mcp with 8 concurrent clients against Odoo
with 2 workers, next to the JSON-RPC propose route measured the same way in the same run (the
baseline): what the MCP layer costs on top of the proposal itself.

Run by bench/run.sh (plain Python, not inside Odoo): it prepares an API key with `odoo shell`,
starts a prefork server and drives it over loopback HTTP. Small by default
(AIOM_BENCH_MCP_CALLS=200 per route).
"""

import json
import os
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # devtools
sys.path.insert(0, os.environ["AIOM_BENCH_DIR"])
from bench_api import CLIENTS, percentile
from benchlib import shell_script

from devtools.odoo_server import OdooServer, odoo_shell, printed

CALLS = int(os.environ.get("AIOM_BENCH_MCP_CALLS", "200"))
CONFIG, DATABASE = os.environ["AIOM_ODOO_CONFIG"], os.environ["AIOM_BENCH_DB"]
PREPARE = shell_script("prepare_pending_creates(env, 0, 'MCP bench')")


def proposal(index):
    name = f"MCP bench {index} {uuid.uuid4().hex[:6]}"
    return {
        "name": f"Create contact {name}",
        "steps": [
            {"action_type": "odoo_create", "parameters": {"model": "res.partner", "values": {"name": name}}},
        ],
        "rationale": "Benchmark",
        "risk_level": "low",
    }


def api_call(session, url, index):
    params = {**proposal(index), "agent": "bench"}
    started = time.perf_counter()
    reply = session.post(url, json={"jsonrpc": "2.0", "method": "call", "params": params, "id": 1}, timeout=120)
    assert reply.json()["result"]["state"] == "pending", reply.text[:300]
    return time.perf_counter() - started


def mcp_call(session, url, index):
    body = {
        "jsonrpc": "2.0",
        "id": index,
        "method": "tools/call",
        "params": {"name": "propose_action", "arguments": proposal(index)},
    }
    started = time.perf_counter()
    reply = session.post(url, json=body, timeout=120)
    result = reply.json()["result"]
    assert not result["isError"] and result["structuredContent"]["state"] == "pending", reply.text[:300]
    return time.perf_counter() - started


def drive(call, url, sessions, count):
    """``count`` calls from CLIENTS threads, each with its own session; latencies and wall time."""
    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        latencies = list(pool.map(lambda index: call(sessions[index % CLIENTS], url, index), range(count)))
    return latencies, time.perf_counter() - started


def mcp_sessions(base, headers):
    """One MCP client per thread, each initialized as an agent would (its session id names it)."""
    sessions = []
    for number in range(CLIENTS):
        session = requests.Session()
        session.headers.update({**headers, "Accept": "application/json, text/event-stream"})
        init = {
            "jsonrpc": "2.0",
            "id": 0,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": f"bench-agent-{number}", "version": "1"},
            },
        }
        reply = session.post(f"{base}/aiom/mcp", json=init, timeout=60)
        session.headers.update(
            {"Mcp-Session-Id": reply.headers["Mcp-Session-Id"], "MCP-Protocol-Version": "2025-11-25"}
        )
        sessions.append(session)
    return sessions


def main():
    bench = json.loads(printed(odoo_shell(CONFIG, DATABASE, PREPARE), "BENCH"))
    server = OdooServer(CONFIG, DATABASE, "--workers=2", "--log-level=warn", "--limit-time-real=600").start()
    base = server.base_url
    try:
        headers = {"Authorization": f"Bearer {bench['key']}"}
        api_sessions = [requests.Session() for _ in range(CLIENTS)]
        for session in api_sessions:
            session.headers.update(headers)
        mcp = mcp_sessions(base, headers)
        api_url, mcp_url = f"{base}/aiom/api/v1/actions/propose", f"{base}/aiom/mcp"
        drive(api_call, api_url, api_sessions, 20)  # warm-up of both workers, both routes
        drive(mcp_call, mcp_url, mcp, 20)
        # Two alternating halves each, so that drift on a shared machine hits both routes alike.
        api_lat, api_wall, mcp_lat, mcp_wall = [], 0.0, [], 0.0
        for _round in range(2):
            latencies, wall = drive(api_call, api_url, api_sessions, CALLS // 2)
            api_lat, api_wall = api_lat + latencies, api_wall + wall
            latencies, wall = drive(mcp_call, mcp_url, mcp, CALLS // 2)
            mcp_lat, mcp_wall = mcp_lat + latencies, mcp_wall + wall
    finally:
        server.stop()
    print(f"\nMCP: {len(api_lat)} proposals per route from {CLIENTS} concurrent clients, Odoo with 2 workers, loopback")
    print(f"{'route':<44}{'calls/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'ratio (p50)':>13}{'ratio (p95)':>13}")
    api_p50, api_p95 = percentile(api_lat, 0.5), percentile(api_lat, 0.95)
    for label, latencies, elapsed in (
        ("JSON-RPC /aiom/api/v1/actions/propose (base)", api_lat, api_wall),
        ("MCP tools/call propose_action", mcp_lat, mcp_wall),
    ):
        p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
        print(
            f"{label:<44}{len(latencies) / elapsed:>10.1f}{1000 * p50:>10.1f}{1000 * p95:>10.1f}"
            f"{p50 / api_p50:>12.2f}x{p95 / api_p95:>12.2f}x"
        )


if __name__ == "__main__":
    main()
