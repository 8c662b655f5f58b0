"""Resolve ``{{ steps.NAME.key }}`` and ``{{ target.field.field }}`` references in step parameters.

Only dotted look-ups are supported: a reference names a path, it is never evaluated. Each hop
through a record goes through the ``reader`` the engine passes (``reader(record, field_name)``),
which applies the floor and the proposer's access rights; results of earlier steps are plain dicts.

``\\{{`` is a literal ``{{``: data put into a text (a lead's name in an email subject, an LLM's
wording) is made inert with :func:`inert`, so that it is never read as a reference.
"""

import re
from datetime import date, datetime
from string import Template

PATH = r"[A-Za-z_][\w.]*"
REFERENCE = re.compile(r"(?<!\\)\{\{\s*(" + PATH + r")\s*\}\}")
# One pass over a text: an escaped brace pair, or a reference.
TOKEN = re.compile(r"\\\{\{|(?<!\\)\{\{\s*(" + PATH + r")\s*\}\}")
UNESCAPED_BRACES = re.compile(r"(?<!\\)\{\{")
ROOTS = ("steps", "target")


class UnresolvedReference(Exception):
    """A reference that names nothing, something empty, or something its proposer may not read."""

    def __init__(self, reference, reason):
        super().__init__(f"Reference {{{{ {reference} }}}} does not resolve: {reason}")
        self.reference = reference
        self.reason = reason


def inert(value):
    """``value`` (a text, or the texts in a JSON value) with every ``{{`` escaped, so that no part
    of it is ever read as a reference. Escaping twice changes nothing."""
    if isinstance(value, str):
        return UNESCAPED_BRACES.sub(r"\\{{", value)
    if isinstance(value, dict):
        return {key: inert(item) for key, item in value.items()}
    if isinstance(value, list):
        return [inert(item) for item in value]
    return value


def fill(template, values):
    """``template``'s ``$placeholders`` (string.Template: no code, no attribute access) replaced by
    ``values``, made inert: a customer named ``{{ target.x }}`` stays a name."""
    return Template(template).safe_substitute({key: inert(str(value)) for key, value in values.items()})


def literal(text):
    """What an inert or unresolved text says once its escapes are removed (for display)."""
    return text.replace("\\{{", "{{") if isinstance(text, str) else text


def is_reference(value):
    """True for a text that holds a reference, to be checked once resolved."""
    return isinstance(value, str) and REFERENCE.search(value) is not None


def is_whole_reference(value):
    """True for a text that is exactly one reference (it takes the referenced value's type)."""
    return isinstance(value, str) and REFERENCE.fullmatch(value.strip()) is not None


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


def resolve(value, scope, reader):
    """Return ``value`` with every reference replaced by what it names in ``scope``.

    ``scope`` maps the roots (``steps``, ``target``) to dicts or records. A string that is
    exactly one reference takes the referenced value with its type (an id stays an int);
    references inside longer text are replaced by their text. Substituted values are never
    scanned again, and escaped braces become plain ones.
    """
    if isinstance(value, dict):
        return {key: resolve(item, scope, reader) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, scope, reader) for item in value]
    if not isinstance(value, str) or "{{" not in value:
        return value
    whole = REFERENCE.fullmatch(value.strip())
    if whole:
        return lookup(whole.group(1), scope, reader)
    return TOKEN.sub(lambda match: _as_text(lookup(match.group(1), scope, reader)) if match.group(1) else "{{", value)


def lookup(path, scope, reader):
    parts = path.split(".")
    root = parts[0]
    if root not in ROOTS:
        raise UnresolvedReference(path, f"it must start with {' or '.join(ROOTS)}")
    if root not in scope or scope[root] is None:
        raise UnresolvedReference(path, f"this action has no {root}")
    current = scope[root]
    walked = [root]
    for part in parts[1:]:
        current = _step_into(current, part, path, ".".join(walked), reader)
        walked.append(part)
    return _plain(current, path)


def _step_into(current, part, path, walked, reader):
    if is_record(current):
        if len(current) != 1:
            raise UnresolvedReference(path, f"{walked} is empty" if not current else f"{walked} holds several records")
        problem = reader(current, part)
        if problem:
            raise UnresolvedReference(path, problem)
        return current[part]
    if isinstance(current, dict):
        if part not in current:
            known = ", ".join(sorted(current)) or "nothing"
            raise UnresolvedReference(path, f"{walked} has no {part!r} (it has: {known})")
        return current[part]
    raise UnresolvedReference(path, f"{walked} is a value, it has no {part!r}")


def _plain(value, path):
    if is_record(value):
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


def is_record(value):
    return hasattr(value, "_name") and hasattr(value, "_fields")
