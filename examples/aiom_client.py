"""A minimal AI COO JSON-RPC client that needs only `requests`.

    AIOM_URL=http://localhost:8069 AIOM_API_KEY=... python examples/aiom_client.py

Proposes creating a contact, then approves it (the key's user must be an AI COO approver). Safe to
run again: the idempotency key brings the same action back, and an action already executed is
reported as such (exit status 0).
"""

import os
import sys
import time

import requests


class AiomError(Exception):
    """A JSON-RPC error: ``name`` is the Odoo exception (e.g. odoo.exceptions.ValidationError)."""

    def __init__(self, error):
        data = error.get("data") or {}
        super().__init__(data.get("message") or error.get("message"))
        self.name = data.get("name")


class AiomClient:
    def __init__(self, url, api_key, timeout=60):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {api_key}"

    def call(self, route, **params):
        reply = self.session.post(
            f"{self.url}{route}",
            json={"jsonrpc": "2.0", "method": "call", "params": params, "id": 1},
            timeout=self.timeout,
        )
        reply.raise_for_status()
        body = reply.json()
        if "error" in body:
            raise AiomError(body["error"])
        return body["result"]

    def propose(self, **proposal):
        return self.call("/aiom/api/v1/actions/propose", **proposal)

    def search(self, state=None, limit=80, offset=0):
        params = {"limit": limit, "offset": offset}
        if state:
            params["state"] = state
        return self.call("/aiom/api/v1/actions/search", **params)

    def get(self, action_id):
        return self.call("/aiom/api/v1/actions/get", id=action_id)

    def approve(self, action_id):
        return self.call("/aiom/api/v1/actions/approve", id=action_id)

    def reject(self, action_id, reason=None):
        return self.call("/aiom/api/v1/actions/reject", id=action_id, reason=reason)

    def wait(self, action_id, timeout=120):
        """The action once it left pending/approved (an approval queued on queue_job runs later)."""
        deadline = time.monotonic() + timeout
        while True:
            action = self.get(action_id)
            if action["state"] not in ("pending", "approved") or time.monotonic() > deadline:
                return action
            time.sleep(1)


def main():
    client = AiomClient(os.environ.get("AIOM_URL", "http://localhost:8069"), os.environ["AIOM_API_KEY"])
    try:
        proposed = client.propose(
            name="Create contact Jane Brooks",
            action_type="odoo_create",
            parameters={"model": "res.partner", "values": {"name": "Jane Brooks", "email": "jane@example.com"}},
            rationale="Jane signed the last three purchase orders but is not in the address book.",
            confidence=0.82,
            risk_level="low",
            agent="example-client",
            # The same key proposes once: running this again returns the same action.
            idempotency_key="example-jane-brooks",
        )
        action_id = proposed["id"]
        print(f"action {action_id}: {proposed['state']}")
        if proposed["state"] == "pending":
            outcome = client.approve(action_id)
            if outcome.get("queued"):
                print("queued on queue_job: waiting for the outcome...")
                action = client.wait(action_id)
                outcome = {"state": action["state"], "result": action["result"], "error": action["error_message"]}
            print("approved:", outcome)
            return 0 if outcome["state"] == "executed" else 1
        action = client.get(action_id)
        if action["state"] == "executed":
            approver = (action["approved_by_id"] or {}).get("display_name")
            print(f"already executed on {action['executed_date']} by {approver}:")
            print(action["result"])
            return 0
        print(f"not executed ({action['state']}):", action["error_message"] or action["reject_reason"] or "")
        return 1
    except AiomError as error:
        print(f"refused ({error.name}): {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
