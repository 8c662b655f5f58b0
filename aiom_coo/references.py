"""Resolve ``{{ steps.NAME.key }}`` and ``{{ target.field.field }}`` references in step parameters.

Only dotted look-ups are supported: a reference names a path, it is never evaluated. Look-ups on
records go through ``record[field_name]`` as the acting user, so access rights apply.
"""

import re
from datetime import date, datetime

REFERENCE = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*\}\}")
ROOTS = ("steps", "target")


class UnresolvedReference(Exception):
    """A reference that names nothing, or something empty."""

    def __init__(self, reference, reason):
        super().__init__(f"Reference {{{{ {reference} }}}} does not resolve: {reason}")
        self.reference = reference
        self.reason = reason


def is_reference(value):
    """True for a text that holds a reference, to be checked once resolved."""
    return isinstance(value, str) and "{{" in value


def find_references(value):
    """Yield every dotted path referenced in ``value`` (nested dicts and lists included)."""
    if isinstance(value, str):
        yield from REFERENCE.findall(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from find_references(item)
    elif isinstance(value, list):
        for item in value:
            yield from find_references(item)


def resolve(value, scope):
    """Return ``value`` with every reference replaced by what it names in ``scope``.

    ``scope`` maps the roots (``steps``, ``target``) to dicts or records. A string that is
    exactly one reference takes the referenced value with its type (an id stays an int);
    references inside longer text are replaced by their text.
    """
    if isinstance(value, dict):
        return {key: resolve(item, scope) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, scope) for item in value]
    if not isinstance(value, str) or "{{" not in value:
        return value
    whole = REFERENCE.fullmatch(value.strip())
    if whole:
        return lookup(whole.group(1), scope)
    return REFERENCE.sub(lambda match: _as_text(lookup(match.group(1), scope)), value)


def lookup(path, scope):
    parts = path.split(".")
    root = parts[0]
    if root not in ROOTS:
        raise UnresolvedReference(path, f"it must start with {' or '.join(ROOTS)}")
    if root not in scope or scope[root] is None:
        raise UnresolvedReference(path, f"this action has no {root}")
    current = scope[root]
    walked = [root]
    for part in parts[1:]:
        current = _step_into(current, part, path, ".".join(walked))
        walked.append(part)
    return _plain(current, path)


def _step_into(current, part, path, walked):
    if _is_record(current):
        if len(current) != 1:
            raise UnresolvedReference(path, f"{walked} is empty")
        if part not in current._fields:
            raise UnresolvedReference(path, f"{current._name} has no field {part!r}")
        return current[part]
    if isinstance(current, dict):
        if part not in current:
            known = ", ".join(sorted(current)) or "nothing"
            raise UnresolvedReference(path, f"{walked} has no {part!r} (it has: {known})")
        return current[part]
    raise UnresolvedReference(path, f"{walked} is a value, it has no {part!r}")


def _plain(value, path):
    if _is_record(value):
        if not value:
            raise UnresolvedReference(path, "it is empty")
        return value.id if len(value) == 1 else value.ids
    if value is None or value is False:
        raise UnresolvedReference(path, "it is empty")
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _as_text(value):
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _is_record(value):
    return hasattr(value, "_name") and hasattr(value, "_fields")
