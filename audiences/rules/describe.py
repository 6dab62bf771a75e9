"""Readable text for a rule: "City is one of Atlanta, San Francisco, Seattle and Birth year
greater than 1980". Used by the admin, the audience list, and the journey canvas.

It never fails: a rule that does not validate (unknown field, odd shape) is still described
as well as it can be, so a broken rule can be shown to the person who has to fix it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fields import FieldSpec
from .validation import OPERATORS

_JOINERS = {"all": " and ", "any": " or "}


def describe_rule(rule: Any, fields: Mapping[str, FieldSpec]) -> str:
    """The rule as one sentence; nested groups are put in parentheses."""
    return _describe(rule, fields, nested=False)


def _describe(node: Any, fields: Mapping[str, FieldSpec], *, nested: bool) -> str:
    if not isinstance(node, Mapping):
        return "(invalid rule)"
    for key, joiner in _JOINERS.items():
        if key in node:
            children = node[key] if isinstance(node[key], list) else []
            if not children:
                return "(no conditions)"
            text = joiner.join(_describe(child, fields, nested=True) for child in children)
            return f"({text})" if nested and len(children) > 1 else text
    if "not" in node:
        return f"not ({_describe(node['not'], fields, nested=False)})"
    return _describe_condition(node, fields)


def _describe_condition(node: Mapping[str, Any], fields: Mapping[str, FieldSpec]) -> str:
    name = node.get("field")
    spec = fields.get(name) if isinstance(name, str) else None
    label = spec.display if spec else str(name)
    op = node.get("op")
    words = OPERATORS.get(op, str(op)) if isinstance(op, str) else str(op)
    if op in ("is_set", "is_not_set"):
        return f"{label} {words}"
    value = node.get("value")
    if op == "between" and isinstance(value, list) and len(value) == 2:
        return f"{label} between {_literal(value[0])} and {_literal(value[1])}"
    if isinstance(value, list):
        return f"{label} {words} {', '.join(_literal(item) for item in value)}"
    return f"{label} {words} {_literal(value)}"


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "(empty)"
    return str(value)
