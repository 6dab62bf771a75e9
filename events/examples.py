"""The example payload an integrator sends for a configuration (the page's preview, the API's
`example_payload`): every declared field with a plausible value of its type, nested along dotted
paths, values that satisfy the event-ID condition, `eventID` for system-generated events, and the
optional reserved key `_id`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EXAMPLE_TIME = "2026-03-14T15:09:26+00:00"
_STRING_HINTS = (
    ("email", "ana@example.com"),
    ("phone", "+14045550100"),
    ("city", "Atlanta"),
    ("country", "US"),
    ("currency", "USD"),
    ("product", "Trail running shoes"),
    ("message", "hello"),
    ("name", "Ana"),
    ("url", "https://example.com/"),
    ("id", "A-1001"),
)
_BY_TYPE: dict[str, Any] = {"integer": 2, "number": 49.9, "boolean": True, "datetime": EXAMPLE_TIME}


def example_value(path: str, type_: str) -> Any:
    if type_ != "string":
        return _BY_TYPE.get(type_, "…")
    leaf = path.rsplit(".", 1)[-1].lower()
    return next((value for hint, value in _STRING_HINTS if hint in leaf), "text")


def example_payload(data: Mapping[str, Any]) -> dict[str, Any]:
    """`data` is a configuration's data (`services.configuration_data` shape); it need not be
    valid: whatever can be shown is shown."""
    values: dict[str, Any] = {}
    fields = [
        f
        for f in data.get("fields") or []
        if isinstance(f, Mapping) and isinstance(f.get("path"), str) and f["path"]
    ]
    types = {f["path"]: f.get("type", "string") for f in fields}
    for path, type_ in types.items():
        values[path] = example_value(path, type_)
    if data.get("id_type") == "rule_based" and isinstance(data.get("condition"), Mapping):
        _satisfy(data["condition"], values, types)
    # `timestamp` is left out: a copied example must count as happening now.
    payload: dict[str, Any] = {"_id": "a-unique-id-1001"}
    if data.get("id_type") == "system_generated":
        payload["eventID"] = data.get("event_id") or "(generated when you save)"
    for path, value in values.items():
        _put(payload, path, value)
    return payload


def _satisfy(rule: Mapping[str, Any], values: dict[str, Any], types: Mapping[str, str]) -> None:
    """Set values meeting the conditions reachable through `all` groups (and the first branch of
    `any` groups); `not` groups are left as they are."""
    if isinstance(rule.get("all"), list):
        for child in rule["all"]:
            if isinstance(child, Mapping):
                _satisfy(child, values, types)
        return
    if isinstance(rule.get("any"), list) and rule["any"] and isinstance(rule["any"][0], Mapping):
        _satisfy(rule["any"][0], values, types)
        return
    field, op, value = rule.get("field"), rule.get("op"), rule.get("value")
    if field not in types:
        return
    if op == "eq":
        values[field] = value
    elif op == "in" and isinstance(value, list) and value:
        values[field] = value[0]
    elif op == "between" and isinstance(value, list) and len(value) == 2:
        values[field] = value[0]
    elif op in ("gte", "lte"):
        values[field] = value
    elif op in ("gt", "lt") and isinstance(value, int | float) and not isinstance(value, bool):
        values[field] = value + 1 if op == "gt" else value - 1
    elif op == "starts_with" and isinstance(value, str):
        values[field] = value + "…"
    elif op == "contains" and isinstance(value, str):
        values[field] = f"… {value} …"


def _put(payload: dict[str, Any], path: str, value: Any) -> None:
    """Place `value` at a dotted path, building nested objects (`order.total`)."""
    parts = path.split(".")
    node = payload
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = value
