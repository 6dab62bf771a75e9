"""The "Trigger an event" form, generated from an event configuration's fields: one input per
declared payload field (typed), pre-filled with an example payload that satisfies the event-ID
condition, the profile identifier filled with the test profile's identity. The same payload is
shown as JSON (the code view); either can be sent."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from events.examples import example_payload
from events.services.configurations import configuration_data

from .errors import TestModeError

INPUT_TYPES = {
    "string": "text",
    "number": "number",
    "integer": "number",
    "boolean": "checkbox",
    "datetime": "text",
}


@dataclass
class FormField:
    path: str
    type: str
    required: bool
    value: Any
    locked: bool = False  # the profile identifier: the chosen test profile's identity

    @property
    def input_type(self) -> str:
        return INPUT_TYPES.get(self.type, "text")

    @property
    def name(self) -> str:
        return f"f:{self.path}"

    @property
    def text_value(self) -> str:
        return "" if self.value is None else str(self.value)


def payload_get(payload: dict[str, Any], path: str) -> Any:
    """The value at a dotted payload path (`order.total`), or None."""
    current: Any = payload
    for part in path.split("."):
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current


def payload_put(payload: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at a dotted payload path, making the objects on the way."""
    parts = path.split(".")
    current = payload
    for part in parts[:-1]:
        current = current.setdefault(part, {})
    current[parts[-1]] = value


def event_form(config, *, identity: str | None) -> tuple[list[FormField], dict[str, Any]]:
    """The form fields of `config` and the initial payload (example values; no `_id`, so two
    triggers are two events; the profile field holds `identity`)."""
    example = example_payload(configuration_data(config) | {"event_id": config.event_id})
    example.pop("_id", None)
    example.pop("timestamp", None)
    profile_field = config.profile_id_field if config.type == "unitary" else ""
    if profile_field and identity is not None:
        payload_put(example, profile_field, identity)
    fields = [
        FormField(
            path=item["path"],
            type=item.get("type", "string"),
            required=bool(item.get("required")),
            value=payload_get(example, item["path"]),
            locked=item["path"] == profile_field,
        )
        for item in config.fields or []
    ]
    return fields, example


def payload_from_form(config, post) -> dict[str, Any]:
    """A payload from the form's inputs (`f:<path>`), typed by the configuration; an empty
    optional field is left out. Bad numbers raise TestModeError naming `payload.<path>`."""
    payload: dict[str, Any] = {}
    if config.id_type == "system_generated" and config.event_id:
        payload["eventID"] = config.event_id
    for item in config.fields or []:
        path, kind = item["path"], item.get("type", "string")
        raw = post.get(f"f:{path}")
        if kind == "boolean":
            payload_put(payload, path, raw in ("on", "true", "1"))
            continue
        if raw is None or raw == "":
            continue
        if kind in ("number", "integer"):
            try:
                value: Any = int(raw) if kind == "integer" else float(raw)
            except ValueError:
                raise TestModeError(f"{path}: a number", field=f"payload.{path}") from None
            if kind == "number" and float(value).is_integer() and "." not in raw:
                value = int(value)
        else:
            value = raw
        payload_put(payload, path, value)
    return payload


def payload_from_json(text: str) -> dict[str, Any]:
    try:
        payload = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        raise TestModeError(
            f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", field="payload"
        ) from None
    if not isinstance(payload, dict):
        raise TestModeError("the payload must be a JSON object", field="payload")
    return payload
