"""Reading the event configuration page's form, and placing errors back on it."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from .services.validation import IDENTIFIER_TYPES

ROW_ERROR = re.compile(r"^fields\[(\d+)\](?:\.(\w+))?$")


def posted_configuration(post: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The configuration data of a posted form (`fields` and `condition` travel as JSON in
    hidden inputs, written by the field editor and the rule builder), and reading errors."""
    errors: list[dict[str, str]] = []
    fields = _json(post.get("fields"), [], "fields", errors)
    condition = _json(post.get("condition"), None, "condition", errors)
    type_ = post.get("type", "unitary")
    id_type = post.get("id_type", "rule_based")
    unitary = type_ == "unitary"
    data = {
        "name": post.get("name", "").strip(),
        "description": post.get("description", "").strip(),
        "type": type_,
        "id_type": id_type,
        "fields": [
            f for f in fields if not (isinstance(f, dict) and not str(f.get("path", "")).strip())
        ]
        if isinstance(fields, list)
        else fields,
        "condition": condition if id_type == "rule_based" and condition != {"all": []} else None,
        "namespace": post.get("namespace", "").strip() if unitary else "",
        "profile_id_field": post.get("profile_id_field", "").strip() if unitary else "",
    }
    return data, errors


def _json(text: Any, default: Any, field: str, errors: list[dict[str, str]]) -> Any:
    if not text:
        return default
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        errors.append(
            {"field": field, "message": "could not be read: reload the page and try again"}
        )
        return default


def identifier_choices(data: Mapping[str, Any]) -> list[str]:
    """Declared fields that can hold a profile identifier (strings, integers)."""
    return [
        f["path"]
        for f in data.get("fields") or []
        if isinstance(f, Mapping) and f.get("path") and f.get("type", "string") in IDENTIFIER_TYPES
    ]


def split_errors(
    errors: list[dict[str, str]],
) -> tuple[list[dict[str, str]], dict[int, dict[str, str]], dict[str, str]]:
    """(errors for the condition builder, {row: {part: message}} for the field editor,
    {form field: message} for the rest)."""
    condition: list[dict[str, str]] = []
    rows: dict[int, dict[str, str]] = {}
    others: dict[str, str] = {}
    for error in errors:
        field = error["field"]
        row = ROW_ERROR.match(field)
        if field.startswith("condition.") or (
            field == "condition" and "required" not in error["message"]
        ):
            condition.append(error)
        elif row:
            rows.setdefault(int(row.group(1)), {})[row.group(2) or "row"] = error["message"]
        else:
            others.setdefault(field, error["message"])
    return condition, rows, others
