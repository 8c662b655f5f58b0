"""The API's view of an action: SPEC fields, relations as {id, display_name}, UTC ISO-8601 dates."""

from ..utils import iso_utc

ACTION_FIELDS = (
    "name",
    "action_type",
    "parameters",
    "state",
    "source",
    "rationale",
    "confidence",
    "risk_level",
    "priority",
    "target_model",
    "target_res_id",
    "agent",
    "reject_reason",
    "result",
    "error_message",
    "attempt_count",
    "idempotency_key",
)
RELATIONS = ("proposed_by_id", "approved_by_id", "rejected_by_id", "company_id")
DATES = ("approved_date", "executed_date", "expires_at", "create_date", "write_date")
STEP_FIELDS = ("name", "sequence", "action_type", "parameters", "state", "result", "error_message")


def action_to_dict(action):
    data = {"id": action.id}
    for name in ACTION_FIELDS:
        data[name] = _plain(action[name])
    for name in RELATIONS:
        record = action[name]
        data[name] = {"id": record.id, "display_name": record.display_name} if record else None
    for name in DATES:
        data[name] = iso_utc(action[name])
    target = action.target_ref
    data["target"] = None
    if target:
        # The user may see the action but not its target (a lead without sales rights): no name then.
        name = target.display_name if target.has_access("read") else None
        data["target"] = {"model": target._name, "id": target.id, "display_name": name}
    data["steps"] = [
        {"id": step.id, **{name: _plain(step[name]) for name in STEP_FIELDS}}
        for step in action.step_ids.sorted("sequence")
    ]
    return data


def _plain(value):
    # These fields are never booleans: False is how Odoo says "empty".
    return None if value is False else value
