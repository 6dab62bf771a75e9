"""Validation of rules: every error names the path of the offending part."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .fields import FieldSpec, FieldType

MAX_DEPTH = 10  # group nesting levels
MAX_CONDITIONS = 200
MAX_LIST_VALUES = 1000

GROUPS = ("all", "any", "not")
OPERATORS: dict[str, str] = {
    "eq": "is",
    "neq": "is not",
    "in": "is one of",
    "not_in": "is none of",
    "gt": "greater than",
    "gte": "at least",
    "lt": "less than",
    "lte": "at most",
    "between": "between",
    "contains": "contains",
    "starts_with": "starts with",
    "is_set": "is set",
    "is_not_set": "is not set",
}
OPS_BY_TYPE: dict[FieldType, tuple[str, ...]] = {
    "string": ("eq", "neq", "in", "not_in", "contains", "starts_with", "is_set", "is_not_set"),
    "integer": (
        "eq",
        "neq",
        "in",
        "not_in",
        "gt",
        "gte",
        "lt",
        "lte",
        "between",
        "is_set",
        "is_not_set",
    ),
    "number": (
        "eq",
        "neq",
        "in",
        "not_in",
        "gt",
        "gte",
        "lt",
        "lte",
        "between",
        "is_set",
        "is_not_set",
    ),
    "boolean": ("eq", "neq", "is_set", "is_not_set"),
    "datetime": ("eq", "neq", "gt", "gte", "lt", "lte", "between", "is_set", "is_not_set"),
}
NO_VALUE_OPS = ("is_set", "is_not_set")
LIST_OPS = ("in", "not_in")


@dataclass(frozen=True)
class RuleError:
    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.path, "message": self.message}


def validate_rule(
    rule: Any, *, fields: Mapping[str, FieldSpec], path: str = "rule"
) -> list[RuleError]:
    """Check `rule` against the palette `fields`. Returns every error found (empty: valid)."""
    errors: list[RuleError] = []
    counter = [0]
    _validate_node(rule, fields, path, 0, errors, counter)
    if counter[0] > MAX_CONDITIONS:
        errors.append(
            RuleError(path, f"too many conditions: {counter[0]} (at most {MAX_CONDITIONS})")
        )
    return errors


def _validate_node(
    node: Any,
    fields: Mapping[str, FieldSpec],
    path: str,
    depth: int,
    errors: list[RuleError],
    counter: list[int],
) -> None:
    if not isinstance(node, dict):
        errors.append(RuleError(path, "must be an object: a group (all/any/not) or a condition"))
        return
    group_keys = [key for key in GROUPS if key in node]
    if group_keys:
        if len(node) != 1:
            errors.append(RuleError(path, "a group has exactly one key: all, any or not"))
            return
        key = group_keys[0]
        if depth + 1 > MAX_DEPTH:
            errors.append(RuleError(path, f"nesting deeper than {MAX_DEPTH} groups"))
            return
        child_path = f"{path}.{key}"
        if key == "not":
            _validate_node(node["not"], fields, child_path, depth + 1, errors, counter)
            return
        children = node[key]
        if not isinstance(children, list):
            errors.append(RuleError(child_path, "must be a list of conditions or groups"))
            return
        if not children:
            errors.append(RuleError(child_path, "empty group: add at least one condition"))
            return
        for index, child in enumerate(children):
            _validate_node(child, fields, f"{child_path}[{index}]", depth + 1, errors, counter)
        return
    counter[0] += 1
    _validate_condition(node, fields, path, errors)


def _validate_condition(
    node: dict[str, Any], fields: Mapping[str, FieldSpec], path: str, errors: list[RuleError]
) -> None:
    unknown_keys = set(node) - {"field", "op", "value"}
    if unknown_keys:
        errors.append(RuleError(path, f"unknown key(s): {', '.join(sorted(unknown_keys))}"))
    field_name = node.get("field")
    if not isinstance(field_name, str) or not field_name:
        errors.append(RuleError(f"{path}.field", "required: the name of a field"))
        return
    spec = fields.get(field_name)
    if spec is None:
        errors.append(RuleError(f"{path}.field", f"unknown field {field_name!r}"))
        return
    op = node.get("op")
    if op not in OPERATORS:
        errors.append(
            RuleError(f"{path}.op", f"unknown operator {op!r} (one of: {', '.join(OPERATORS)})")
        )
        return
    if op not in OPS_BY_TYPE[spec.type]:
        errors.append(
            RuleError(
                f"{path}.op", f"operator {op!r} does not apply to {spec.type} field {field_name!r}"
            )
        )
        return
    value_path = f"{path}.value"
    if op in NO_VALUE_OPS:
        if node.get("value") is not None:
            errors.append(RuleError(value_path, f"operator {op!r} takes no value"))
        return
    if "value" not in node:
        errors.append(RuleError(value_path, "required"))
        return
    value = node["value"]
    if op in LIST_OPS:
        if not isinstance(value, list) or not value:
            errors.append(RuleError(value_path, f"must be a non-empty list of {spec.type} values"))
            return
        if len(value) > MAX_LIST_VALUES:
            errors.append(RuleError(value_path, f"at most {MAX_LIST_VALUES} values"))
            return
        for index, item in enumerate(value):
            message = type_error(spec.type, item)
            if message:
                errors.append(RuleError(f"{value_path}[{index}]", message))
        return
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            errors.append(RuleError(value_path, "must be a list of two values [low, high]"))
            return
        for index, item in enumerate(value):
            message = type_error(spec.type, item)
            if message:
                errors.append(RuleError(f"{value_path}[{index}]", message))
                return
        low, high = (coerce_value(spec.type, item) for item in value)
        if low > high:
            errors.append(RuleError(value_path, "low must not be greater than high"))
        return
    message = type_error(spec.type, value)
    if message:
        errors.append(RuleError(value_path, message))
        return
    if op in ("contains", "starts_with") and value == "":
        errors.append(RuleError(value_path, "must not be empty"))


def type_error(type_: FieldType, value: Any) -> str | None:
    """A message when `value` is not a valid literal of `type_`, else None."""
    if value is None:
        return "required"
    if type_ == "string":
        return None if isinstance(value, str) else "must be a string"
    if type_ == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else "must be an integer"
    if type_ == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else "must be a number"
    if type_ == "boolean":
        return None if isinstance(value, bool) else "must be true or false"
    if type_ == "datetime":
        if isinstance(value, str) and parse_datetime(value) is not None:
            return None
        return "must be an ISO 8601 date-time with offset (e.g. 2026-01-31T09:00:00+00:00)"
    return f"unsupported type {type_!r}"


def parse_datetime(value: Any) -> dt.datetime | None:
    """Parse an ISO 8601 date-time; naive values are read as UTC."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def coerce_value(type_: FieldType, value: Any) -> Any:
    """The comparable form of a literal (datetimes parsed)."""
    if type_ == "datetime":
        return parse_datetime(value)
    return value
