"""Creating, changing and deleting event configurations (the page, the API and the admin all
come here). Every refusal names its field; a refused call changes nothing."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction

from events.models import EventConfiguration
from events.usage import live_usages, usages

from .validation import Errors, clean_configuration

# Only these may change while a live journey uses the configuration (plus new optional fields).
RESTRICTED_KEYS = ("type", "id_type", "condition", "namespace", "profile_id_field")


class EventConfigurationInvalid(Exception):
    """The data was refused; `errors` is `[{"field": "condition.all[0].value", "message": ...}]`."""

    def __init__(self, errors: Errors) -> None:
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))
        self.errors = errors


def configuration_data(config: EventConfiguration) -> dict[str, Any]:
    """The editable data of a configuration, in the shape the create/update services take."""
    return {
        "name": config.name,
        "description": config.description,
        "type": config.type,
        "id_type": config.id_type,
        "fields": list(config.fields),
        "condition": config.condition,
        "namespace": config.namespace,
        "profile_id_field": config.profile_id_field,
    }


def event_configuration_validate(
    *, data: Mapping[str, Any], config: EventConfiguration | None = None, partial: bool = False
) -> dict[str, Any]:
    """The clean data, or EventConfigurationInvalid. Steps: merge (partial) data over the
    current one; check shapes, fields, condition and identity settings; check the name is free;
    when a live journey uses the configuration, refuse anything but name/description changes and
    new optional fields."""
    merged = _merge(config, data) if partial and config is not None else data
    clean, errors = clean_configuration(merged)
    _check_name_free(clean.get("name", ""), config.pk if config else None, errors)
    if config is not None and not errors:
        _check_live_restrictions(config, clean, errors)
    if errors:
        raise EventConfigurationInvalid(errors)
    return clean


def event_configuration_create(*, data: Mapping[str, Any]) -> EventConfiguration:
    """Steps: validate; save (generating the event ID of a system-generated event)."""
    config = EventConfiguration(**event_configuration_validate(data=data))
    if not config.is_rule_based:
        config.event_id = _new_event_id()
    return _save(config)


def event_configuration_update(
    *, config: EventConfiguration, data: Mapping[str, Any], partial: bool = False
) -> EventConfiguration:
    """Steps: validate (see `event_configuration_validate`); save (an event ID appears when it
    becomes system-generated, and goes when it stops being)."""
    clean = event_configuration_validate(data=data, config=config, partial=partial)
    for key, value in clean.items():
        setattr(config, key, value)
    if config.is_rule_based:
        config.event_id = None
    elif not config.event_id:
        config.event_id = _new_event_id()
    return _save(config)


def event_configuration_delete(*, config: EventConfiguration) -> None:
    """Refused while any journey (draft or live) uses it; its match rows go with it, the event
    log stays."""
    used = usages([config.pk])[config.pk]
    if used:
        names = ", ".join(usage.label for usage in used)
        raise EventConfigurationInvalid(
            [{"field": "non_field_errors", "message": f"used by {names}: remove it there first"}]
        )
    config.delete()


def _merge(config: EventConfiguration, data: Mapping[str, Any]) -> dict[str, Any]:
    merged = configuration_data(config) | dict(data)
    # Switching kinds drops what the new kind has no use for, unless the caller sends it.
    if merged.get("id_type") == "system_generated" and "condition" not in data:
        merged["condition"] = None
    if merged.get("type") == "business":
        for key in ("namespace", "profile_id_field"):
            if key not in data:
                merged[key] = ""
    return merged


def _check_name_free(name: str, own_pk: int | None, errors: Errors) -> None:
    if not name:
        return
    taken = EventConfiguration.objects.filter(name__iexact=name).exclude(pk=own_pk)
    if taken.exists():
        errors.append({"field": "name", "message": f"an event named {name!r} already exists"})


def _check_live_restrictions(
    config: EventConfiguration, clean: dict[str, Any], errors: Errors
) -> None:
    live = live_usages(config.pk)
    if not live:
        return
    why = f"used by {', '.join(usage.label for usage in live)}: only the name, the description and new optional fields can change"
    for key in RESTRICTED_KEYS:
        if clean[key] != getattr(config, key):
            errors.append({"field": key, "message": why})
    new_by_path = {field["path"]: (index, field) for index, field in enumerate(clean["fields"])}
    for old in config.fields:
        found = new_by_path.get(old["path"])
        if found is None:
            errors.append(
                {"field": "fields", "message": f"{old['path']!r} cannot be removed: {why}"}
            )
        elif found[1] != old:
            errors.append({"field": f"fields[{found[0]}]", "message": why})
    old_paths = {field["path"] for field in config.fields}
    for index, field in enumerate(clean["fields"]):
        if field["path"] not in old_paths and field["required"]:
            errors.append(
                {
                    "field": f"fields[{index}].required",
                    "message": "a field added to an event used by a live journey must be optional",
                }
            )


def _save(config: EventConfiguration) -> EventConfiguration:
    try:
        with transaction.atomic():
            config.save()
    except IntegrityError as exc:  # a concurrent save took the name
        raise EventConfigurationInvalid(
            [{"field": "name", "message": "an event with this name already exists"}]
        ) from exc
    return config


def _new_event_id() -> str:
    return secrets.token_hex(16)
