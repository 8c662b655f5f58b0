"""A JSON-schema checker for the subset of JSON Schema our step and answer schemas use.

Odoo ships no JSON-schema library, and the schemas are ours: objects (``properties``,
``required``, ``additionalProperties``, ``maxProperties``), arrays (``items``, ``minItems``,
``maxItems``), strings (``minLength``, ``maxLength``, ``pattern``), integers and numbers
(``minimum``, ``maximum``; never NaN or infinite), booleans, ``null``, ``enum`` and ``anyOf``.
Any other keyword in a schema is an error of ours, so it raises instead of being ignored.
"""

import math
import re

KNOWN_KEYWORDS = {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "maxProperties",
    "items",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "enum",
    "anyOf",
    "description",
    "title",
    "default",
    "examples",
}
TYPES = {
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "number": lambda value: isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value),
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
}
KIND_NAMES = {
    "object": "an object",
    "array": "a list",
    "string": "a text",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


def schema_problem(value, schema, path="value"):
    """What in ``value`` breaks ``schema``, as one readable sentence, or None."""
    unknown = set(schema) - KNOWN_KEYWORDS
    if unknown:
        raise ValueError(f"schema keyword(s) {sorted(unknown)} are not supported")
    if "anyOf" in schema:
        problems = [schema_problem(value, option, path) for option in schema["anyOf"]]
        if all(problems):
            return min(problems, key=len)
    kinds = schema.get("type")
    if kinds:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(TYPES[kind](value) for kind in kinds):
            return f"{path} must be {' or '.join(KIND_NAMES[kind] for kind in kinds)}"
    if "enum" in schema and value not in schema["enum"]:
        return f"{path} must be one of {', '.join(map(str, schema['enum']))}"
    if isinstance(value, dict):
        return _object_problem(value, schema, path)
    if isinstance(value, list):
        return _array_problem(value, schema, path)
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            return f"{path} must not be empty" if schema["minLength"] == 1 else f"{path} is too short"
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            return f"{path} is longer than {schema['maxLength']} characters"
        if "pattern" in schema and not re.search(schema["pattern"], value):
            return f"{path} has an invalid format"
    elif TYPES["number"](value):
        if "minimum" in schema and value < schema["minimum"]:
            return f"{path} must be at least {schema['minimum']}"
        if "maximum" in schema and value > schema["maximum"]:
            return f"{path} must be at most {schema['maximum']}"
    return None


def _object_problem(value, schema, path):
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    if extra is False:
        unknown = sorted(set(value) - set(properties))
        if unknown:
            return f"{path} has unknown key(s) {', '.join(map(repr, unknown))}"
    missing = sorted(set(schema.get("required", ())) - set(value))
    if missing:
        return f"{path} lacks {', '.join(map(repr, missing))}"
    if "maxProperties" in schema and len(value) > schema["maxProperties"]:
        return f"{path} has more than {schema['maxProperties']} keys"
    for key, item in value.items():
        sub = properties.get(key, extra if isinstance(extra, dict) else None)
        if sub is not None:
            problem = schema_problem(item, sub, f"{path}.{key}")
            if problem:
                return problem
    return None


def _array_problem(value, schema, path):
    if len(value) < schema.get("minItems", 0):
        return f"{path} must not be empty" if schema["minItems"] == 1 else f"{path} has too few items"
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        return f"{path} has more than {schema['maxItems']} items"
    if "items" in schema:
        for index, item in enumerate(value):
            problem = schema_problem(item, schema["items"], f"{path}[{index}]")
            if problem:
                return problem
    return None
