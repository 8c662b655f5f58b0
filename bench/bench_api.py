"""API under load: the approve route with 8 concurrent clients against Odoo with 2 workers, against
/web/webclient/version_info (the cheapest JSON-RPC route) measured the same way in the same run.

Run by bench/run.sh (plain Python, not inside Odoo): it prepares an API key and pending actions
with `odoo shell`, starts a prefork server and drives it over loopback HTTP.
"""

import json
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # devtools
sys.path.insert(0, os.environ["AIOM_BENCH_DIR"])
from benchlib import shell_script

from devtools.odoo_server import OdooServer, odoo_shell, printed

CLIENTS = 8
ACTIONS = int(os.environ.get("AIOM_BENCH_API_ACTIONS", "800"))
CONFIG, DATABASE = os.environ["AIOM_ODOO_CONFIG"], os.environ["AIOM_BENCH_DB"]

PREPARE = shell_script(f"prepare_pending_creates(env, {ACTIONS}, 'API bench')")


def rpc(session, url, params):
    started = time.perf_counter()
    reply = session.post(url, json={"jsonrpc": "2.0", "method": "call", "params": params, "id": 1}, timeout=120)
    body = reply.json()
    assert "error" not in body, body["error"]["data"]["message"]
    return time.perf_counter() - started, body["result"]


def drive(url, params_list, headers):
    """Send every call from CLIENTS threads, each with its own session; return latencies and wall time."""
    sessions = [requests.Session() for _ in range(CLIENTS)]
    for session in sessions:
        session.headers.update(headers)
    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(lambda item: rpc(sessions[item[0] % CLIENTS], url, item[1]), enumerate(params_list)))
    return [latency for latency, _result in results], time.perf_counter() - started, [r for _l, r in results]


def percentile(values, fraction):
    return statistics.quantiles(values, n=100)[int(fraction * 100) - 1]


def main():
    bench = json.loads(printed(odoo_shell(CONFIG, DATABASE, PREPARE), "BENCH"))
    server = OdooServer(CONFIG, DATABASE, "--workers=2", "--log-level=warn", "--limit-time-real=600").start()
    base = server.base_url
    try:
        headers = {"Authorization": f"Bearer {bench['key']}"}
        drive(f"{base}/web/webclient/version_info", [{}] * 50, headers)  # warm-up of both workers
        base_lat, base_wall, _ = drive(f"{base}/web/webclient/version_info", [{}] * ACTIONS, headers)
        lat, wall, results = drive(f"{base}/aiom/api/v1/actions/approve", [{"id": i} for i in bench["ids"]], headers)
        assert all(result["success"] for result in results), [r for r in results if not r["success"]][:3]
    finally:
        server.stop()
    print(f"\nAPI: {ACTIONS} calls from {CLIENTS} concurrent clients, Odoo with 2 workers, loopback")
    print(f"{'route':<40}{'calls/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'ratio (time)':>14}")
    for label, latencies, elapsed in (
        ("version_info (baseline)", base_lat, base_wall),
        ("approve (executes an odoo_create)", lat, wall),
    ):
        print(
            f"{label:<40}{len(latencies) / elapsed:>10.1f}{1000 * percentile(latencies, 0.5):>10.1f}"
            f"{1000 * percentile(latencies, 0.95):>10.1f}{elapsed / base_wall:>13.2f}x"
        )


if __name__ == "__main__":
    main()
