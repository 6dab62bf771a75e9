"""Validation of an event configuration's data: every error names its field path
(`name`, `fields[2].type`, `condition.all[0].value`, `profile_id_field`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from audiences.rules import validate_rule
from events.models import FIELD_TYPES, NAME_PATTERN, EventConfiguration
from events.palette import payload_palette

MAX_FIELDS = 200
PATH_PATTERN = re.compile(r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*$")
NAMESPACE_PATTERN = re.compile(r"^[-a-zA-Z0-9_]{1,50}$")
RESERVED_KEYS = ("_id", "eventID", "timestamp")  # reserved payload keys (contract)
KNOWN_KEYS = {
    "name",
    "description",
    "type",
    "id_type",
    "fields",
    "condition",
    "namespace",
    "profile_id_field",
}
IDENTIFIER_TYPES = ("string", "integer")

Errors = list[dict[str, str]]


def _error(field: str, message: str) -> dict[str, str]:
    return {"field": field, "message": message}


def clean_configuration(data: Mapping[str, Any]) -> tuple[dict[str, Any], Errors]:
    """Steps: check each key's shape, then the fields list, then the condition against the
    fields' palette, then the unitary/business identity settings. Returns (clean data, errors)."""
    errors: Errors = []
    if not isinstance(data, Mapping):
        return {}, [_error("non_field_errors", "must be a JSON object")]
    for key in sorted(
        set(data)
        - KNOWN_KEYS
        - {"id", "event_id", "created_at", "updated_at", "used_by", "restricted"}
    ):
        errors.append(_error(key, "unknown key"))
    clean: dict[str, Any] = {
        "name": _clean_name(data.get("name"), errors),
        "description": _clean_text(data.get("description"), "description", errors),
        "type": _clean_choice(
            data.get("type", "unitary"), "type", EventConfiguration.Type.values, errors
        ),
        "id_type": _clean_choice(
            data.get("id_type", "rule_based"), "id_type", EventConfiguration.IdType.values, errors
        ),
        "fields": _clean_fields(data.get("fields", []), errors),
    }
    clean["condition"] = _clean_condition(data.get("condition"), clean, errors)
    clean["namespace"], clean["profile_id_field"] = _clean_identity(data, clean, errors)
    return clean, errors


def _clean_name(value: Any, errors: Errors) -> str:
    if not isinstance(value, str) or not value.strip():
        errors.append(_error("name", "required"))
        return ""
    value = value.strip()
    if not re.match(NAME_PATTERN, value):
        errors.append(
            _error("name", "letters, digits and _ only, at most 30 characters (e.g. purchase)")
        )
    return value


def _clean_text(value: Any, field: str, errors: Errors) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.append(_error(field, "must be a string"))
        return ""
    return value.strip()


def _clean_choice(value: Any, field: str, choices: list[str], errors: Errors) -> str:
    if value not in choices:
        errors.append(_error(field, f"must be one of: {', '.join(choices)}"))
        return ""
    return value


def _clean_fields(value: Any, errors: Errors) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        errors.append(_error("fields", "must be a list of {path, type, required}"))
        return []
    if len(value) > MAX_FIELDS:
        errors.append(_error("fields", f"at most {MAX_FIELDS} fields"))
        return []
    clean: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        where = f"fields[{index}]"
        if not isinstance(item, Mapping):
            errors.append(_error(where, "must be an object {path, type, required}"))
            continue
        unknown = set(item) - {"path", "type", "required"}
        if unknown:
            errors.append(_error(where, f"unknown key(s): {', '.join(sorted(unknown))}"))
        path = item.get("path")
        if not isinstance(path, str) or not path.strip():
            errors.append(_error(f"{where}.path", "required"))
            continue
        path = path.strip()
        if len(path) > 200 or not PATH_PATTERN.match(path):
            errors.append(
                _error(
                    f"{where}.path", "a dotted path of letters, digits, _ and - (e.g. order.total)"
                )
            )
        elif path in RESERVED_KEYS:
            errors.append(_error(f"{where}.path", f"{path!r} is a reserved key of every event"))
        elif path in seen:
            errors.append(_error(f"{where}.path", f"{path!r} is declared twice"))
        seen.add(path)
        type_ = item.get("type", "string")
        if type_ not in FIELD_TYPES:
            errors.append(_error(f"{where}.type", f"must be one of: {', '.join(FIELD_TYPES)}"))
        required = item.get("required", False)
        if not isinstance(required, bool):
            errors.append(_error(f"{where}.required", "must be true or false"))
            required = False
        clean.append({"path": path, "type": type_, "required": required})
    return clean


def _clean_condition(value: Any, clean: dict[str, Any], errors: Errors) -> Any:
    if clean["id_type"] != EventConfiguration.IdType.RULE_BASED:
        if value not in (None, {}):
            errors.append(_error("condition", "only rule-based events have an event-ID condition"))
        return None
    if value in (None, {}):
        errors.append(
            _error(
                "condition", "required: the condition that decides which payloads are this event"
            )
        )
        return None
    palette = payload_palette(field for field in clean["fields"] if field["type"] in FIELD_TYPES)
    for rule_error in validate_rule(value, fields=palette, path="condition"):
        message = rule_error.message
        if message.startswith("unknown field"):
            message += " (declare it in the payload fields first)"
        errors.append(_error(rule_error.path, message))
    return value


def _clean_identity(
    data: Mapping[str, Any], clean: dict[str, Any], errors: Errors
) -> tuple[str, str]:
    namespace = data.get("namespace") or ""
    identifier = data.get("profile_id_field") or ""
    if clean["type"] == EventConfiguration.Type.BUSINESS:
        if namespace:
            errors.append(
                _error("namespace", "business events are not about a person: no namespace")
            )
        if identifier:
            errors.append(
                _error("profile_id_field", "business events are not about a person: no identifier")
            )
        return "", ""
    if clean["type"] != EventConfiguration.Type.UNITARY:
        return "", ""
    if not isinstance(namespace, str) or not NAMESPACE_PATTERN.match(namespace):
        errors.append(
            _error("namespace", "required for unitary events: the identity namespace (e.g. email)")
        )
        namespace = ""
    declared = {field["path"]: field for field in clean["fields"]}
    if not isinstance(identifier, str) or not identifier:
        errors.append(
            _error(
                "profile_id_field",
                "required for unitary events: the payload field holding the identifier",
            )
        )
        identifier = ""
    elif identifier not in declared:
        errors.append(
            _error("profile_id_field", f"{identifier!r} is not one of the declared payload fields")
        )
    elif declared[identifier]["type"] not in IDENTIFIER_TYPES:
        errors.append(
            _error("profile_id_field", "the identifier field must be a string or an integer")
        )
    return namespace, identifier
