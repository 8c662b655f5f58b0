import json


def pretty_json(value):
    """Readable JSON for display in forms; False when there is nothing to show."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True) if value else False


def selection_business_models(records):
    """Stored models, from the registry: reading ir.model needs administration rights."""
    return sorted(
        (name, model._description)
        for name, model in records.env.registry.items()
        if not model._abstract and not model._transient
    )
