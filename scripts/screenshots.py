"""Screenshots of the running product for the README: log in, open a page, wait for it, capture.

Usage (against ./scripts/run.sh): .venv/bin/python scripts/screenshots.py http://localhost:8069
Drives headless Chromium over the DevTools protocol (websocket-client, already in the dev tools).
"""

import base64
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import requests
import websocket

CHROMIUM = "/usr/bin/chromium"
DEBUG_PORT = 9333
DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = [
    # (file, path, CSS selector that means "rendered")
    ("inbox.png", "/odoo/ai-coo", ".o_aiom_action_kanban .o_kanban_record .o_aiom_approve"),
    ("dashboard.png", "/odoo/ai-coo-dashboard", ".o_aiom_dashboard .o_aiom_chart_bar"),
    ("action-form.png", None, ".o_form_view .o_aiom_plan_step"),
]


class Page:
    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=30)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def wait_for(self, selector, timeout=30):
        deadline = time.monotonic() + timeout
        expression = f"!!document.querySelector({json.dumps(selector)})"
        while time.monotonic() < deadline:
            if self.call("Runtime.evaluate", expression=expression)["result"].get("value"):
                return
            time.sleep(0.2)  # a screenshot script, not a test: polling the page is fine here
        raise TimeoutError(f"{selector} did not appear")


def main(base_url, db="aiom", login="admin", password="admin"):
    session = requests.post(
        f"{base_url}/web/session/authenticate",
        json={"jsonrpc": "2.0", "params": {"db": db, "login": login, "password": password}},
        timeout=30,
    )
    session.raise_for_status()
    session_id = session.cookies["session_id"]
    action_id = requests.post(
        f"{base_url}/web/dataset/call_kw",
        json={
            "jsonrpc": "2.0",
            "params": {
                "model": "aiom.action",
                "method": "search",
                "args": [[("action_type", "=", "workflow")]],
                "kwargs": {"limit": 1},
            },
        },
        cookies={"session_id": session_id},
        timeout=30,
    ).json()["result"][0]
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        chromium = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--remote-debugging-port={DEBUG_PORT}",
                f"--user-data-dir={profile}",
                "--window-size=1400,900",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            page = Page(_page_ws_url())
            page.call("Emulation.setDeviceMetricsOverride", width=1400, height=900, deviceScaleFactor=1, mobile=False)
            page.call(
                "Network.setCookie",
                name="session_id",
                value=session_id,
                domain=urlparse(base_url).hostname,
                path="/",
            )
            for filename, path, selector in PAGES:
                page.call("Page.navigate", url=base_url + (path or f"/odoo/ai-coo/{action_id}"))
                page.wait_for(selector)
                time.sleep(1)  # let fonts and the last paint settle before the capture
                shot = page.call("Page.captureScreenshot", format="png")
                (DOCS / filename).write_bytes(base64.b64decode(shot["data"]))
                print(f"docs/{filename}")
        finally:
            chromium.terminate()
            chromium.wait()


def _page_ws_url():
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            targets = requests.get(f"http://127.0.0.1:{DEBUG_PORT}/json", timeout=2).json()
            return next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
        except (requests.ConnectionError, StopIteration):
            time.sleep(0.2)
    raise TimeoutError("Chromium did not open its DevTools port")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8069")
