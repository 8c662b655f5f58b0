"""API under load: the approve route with 8 concurrent clients against Odoo with 2 workers, against
/web/webclient/version_info (the cheapest JSON-RPC route) measured the same way in the same run.

Run by bench/run.sh (plain Python, not inside Odoo): it prepares an API key and pending actions
with `odoo shell`, starts a prefork server and drives it over loopback HTTP.
"""

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, os.environ["AIOM_BENCH_DIR"])
from benchlib import shell_script

CLIENTS = 8
ACTIONS = int(os.environ.get("AIOM_BENCH_API_ACTIONS", "800"))
CONFIG, DATABASE = os.environ["AIOM_ODOO_CONFIG"], os.environ["AIOM_BENCH_DB"]
ODOO = [sys.executable, str(Path(sys.executable).parent / "odoo")]

PREPARE = shell_script(f"prepare_pending_creates(env, {ACTIONS}, 'API bench')")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    prepared = subprocess.run(
        [*ODOO, "shell", "-c", CONFIG, "-d", DATABASE, "--no-http", "--log-level=warn"],
        input=PREPARE,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    bench = json.loads(next(line for line in prepared.splitlines() if line.startswith("BENCH="))[6:])
    port = free_port()
    server = subprocess.Popen(
        [
            *ODOO,
            "-c",
            CONFIG,
            "-d",
            DATABASE,
            f"--db-filter=^{DATABASE}$",
            f"--http-port={port}",
            f"--gevent-port={free_port()}",
            "--workers=2",
            "--max-cron-threads=0",
            "--log-level=warn",
            "--limit-time-real=600",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _attempt in range(600):
            try:
                if requests.get(f"{base}/web/health", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)  # waiting for the server to listen
        headers = {"Authorization": f"Bearer {bench['key']}"}
        drive(f"{base}/web/webclient/version_info", [{}] * 50, headers)  # warm-up of both workers
        base_lat, base_wall, _ = drive(f"{base}/web/webclient/version_info", [{}] * ACTIONS, headers)
        lat, wall, results = drive(f"{base}/aiom/api/v1/actions/approve", [{"id": i} for i in bench["ids"]], headers)
        assert all(result["success"] for result in results), [r for r in results if not r["success"]][:3]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
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
