"""A minimal AI COO JSON-RPC client that needs only `requests`.

    AIOM_URL=http://localhost:8069 AIOM_API_KEY=... python examples/aiom_client.py

Proposes creating a contact, then approves it (the key's user must be an AI COO approver).
"""

import os
import sys

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


def main():
    client = AiomClient(os.environ.get("AIOM_URL", "http://localhost:8069"), os.environ["AIOM_API_KEY"])
    proposed = client.propose(
        name="Create contact Jane Brooks",
        action_type="odoo_create",
        parameters={"model": "res.partner", "values": {"name": "Jane Brooks", "email": "jane@example.com"}},
        rationale="Jane signed the last three purchase orders but is not in the address book.",
        confidence=0.82,
        risk_level="low",
        agent="example-client",
        idempotency_key="example-jane-brooks",
    )
    print("proposed:", proposed)
    if proposed["state"] != "pending":
        print("not pending:", proposed["error_message"] or client.get(proposed["id"])["state"])
        return 1
    outcome = client.approve(proposed["id"])
    print("approved:", outcome)
    return 0 if outcome["success"] else 1


if __name__ == "__main__":
    sys.exit(main())
