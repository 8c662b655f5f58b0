import json


def pretty_json(value):
    """Readable JSON for display in forms; False when there is nothing to show."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True) if value else False
