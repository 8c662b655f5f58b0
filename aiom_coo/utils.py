import json
from datetime import date, datetime, timezone

from markupsafe import Markup

from odoo.tools import json_default


def pretty_json(value):
    """Readable JSON for display in forms; False when there is nothing to show."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True) if value else False


def selection_business_models(records):
    """Stored models, from the registry: reading ir.model needs administration rights. Computed
    once per registry (a reference field validates every value it is given against this list)."""
    registry = records.env.registry
    cached = getattr(registry, "_aiom_business_models", None)
    if cached is None:
        cached = registry._aiom_business_models = sorted(
            (name, model._description)
            for name, model in registry.items()
            if not model._abstract and not model._transient
        )
    return cached


def has_nul(value):
    """True when a text in ``value`` (nested JSON included) holds a NUL character, which
    PostgreSQL refuses to store."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(has_nul(item) for item in value)
    return False


def record_link(record):
    """An HTML link to ``record``'s form, named after it (for chatter messages)."""
    return Markup('<a href="/odoo/%s/%s">%s</a>') % (record._name, record.id, record.display_name)


def iso_utc(value):
    """Odoo stores naive UTC datetimes: say so in the text, always to the second
    (``2026-11-24T05:19:45+00:00``), whether the value was written with microseconds
    (``create_date``, by PostgreSQL) or without (``fields.Datetime.now()``)."""
    return value.replace(microsecond=0, tzinfo=timezone.utc).isoformat() if value else None


def json_value(value):
    """``json.dumps`` default for results: datetimes as UTC ISO-8601 (as the API writes them),
    dates as ISO dates, records as ids."""
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    return json_default(value)


def operator_id(env):
    """The brain loop's user id, from the cached xmlid table: ``env.ref`` would query the record's
    existence on every call, and the engine asks on every execution."""
    return env["ir.model.data"]._xmlid_to_res_id("aiom_coo.user_aiom_operator")
