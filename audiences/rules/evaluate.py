"""Evaluating a (valid) rule on one record in Python.

Semantics shared with `sql.rule_to_q` (a hypothesis test holds them together):
- a missing value (absent, None, or '' for strings) is *not set*;
- comparisons against a missing value are false, so `neq`/`not_in` are true on it, and
  `not` simply negates (two-valued logic, like Django's null-aware negation);
- `contains` / `starts_with` ignore case; `eq` / `in` are exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fields import FieldSpec
from .validation import coerce_value, parse_datetime

_MISSING = object()


def lookup(record: Mapping[str, Any], field: str) -> Any:
    """The value of `field` in `record`: the exact key first, then a dotted path
    (`order.total` reads `record["order"]["total"]`). Missing -> None."""
    if field in record:
        return record[field]
    current: Any = record
    for part in field.split("."):
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        else:
            return None
    return current


def rule_matches(
    rule: Mapping[str, Any], record: Mapping[str, Any], *, fields: Mapping[str, FieldSpec]
) -> bool:
    """True when `record` satisfies `rule` (which must have passed `validate_rule`)."""
    if "all" in rule:
        return all(rule_matches(child, record, fields=fields) for child in rule["all"])
    if "any" in rule:
        return any(rule_matches(child, record, fields=fields) for child in rule["any"])
    if "not" in rule:
        return not rule_matches(rule["not"], record, fields=fields)
    spec = fields[rule["field"]]
    return _condition(spec, rule["op"], rule.get("value"), lookup(record, rule["field"]))


def _normalise(spec: FieldSpec, raw: Any) -> Any:
    """The record's value in comparable form, or _MISSING when not set or of the wrong type."""
    if raw is None or raw == "" and spec.type == "string":
        return _MISSING
    if spec.type == "string":
        return raw if isinstance(raw, str) else _MISSING
    if spec.type in ("integer", "number"):
        ok = isinstance(raw, int | float) and not isinstance(raw, bool)
        return raw if ok else _MISSING
    if spec.type == "boolean":
        return raw if isinstance(raw, bool) else _MISSING
    if spec.type == "datetime":
        parsed = parse_datetime(raw)
        return parsed if parsed is not None else _MISSING
    return _MISSING


def _condition(spec: FieldSpec, op: str, value: Any, raw: Any) -> bool:
    actual = _normalise(spec, raw)
    if op == "is_set":
        return actual is not _MISSING
    if op == "is_not_set":
        return actual is _MISSING
    if op == "neq":
        return not _condition(spec, "eq", value, raw)
    if op == "not_in":
        return not _condition(spec, "in", value, raw)
    if actual is _MISSING:
        return False
    if op == "in":
        return any(actual == coerce_value(spec.type, item) for item in value)
    if op == "between":
        low, high = (coerce_value(spec.type, item) for item in value)
        return low <= actual <= high
    if op == "contains":
        return value.upper() in actual.upper()
    if op == "starts_with":
        return actual.upper().startswith(value.upper())
    expected = coerce_value(spec.type, value)
    if op == "eq":
        return actual == expected
    if op == "gt":
        return actual > expected
    if op == "gte":
        return actual >= expected
    if op == "lt":
        return actual < expected
    if op == "lte":
        return actual <= expected
    raise ValueError(f"unknown operator {op!r}")
