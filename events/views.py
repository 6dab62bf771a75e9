"""Web pages of `events`: the configurations list, the create/edit page (field editor, condition
builder, identity pickers, live payload preview) and the events explorer. Thin: parsing the form
is `page_data.posted_configuration`, writes go through `events.services`."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audiences.rules.builder import rule_builder, trigger_rule_errors

from . import selectors, services
from .examples import example_payload
from .models import Event, EventConfiguration
from .page_data import identifier_choices, posted_configuration, split_errors
from .palette import payload_palette
from .usage import live_usages, usages

BUILDER_ID = "event-condition"
EXPLORER_PAGE = 50
FIELD_TYPE_CHOICES = [
    ("string", "Text"),
    ("integer", "Integer"),
    ("number", "Number"),
    ("boolean", "Yes / no"),
    ("datetime", "Date & time"),
]


@require_GET
def configuration_list(request: HttpRequest) -> HttpResponse:
    configs = list(selectors.configuration_list())
    used = usages([c.pk for c in configs])
    counts = selectors.accepted_counts(days=7)
    rows = [
        {
            "config": config,
            "condition": selectors.condition_text(config),
            "usages": used[config.pk],
            "live": any(u.live for u in used[config.pk]),
            "accepted_7d": counts.get(config.pk, 0),
        }
        for config in configs
    ]
    return render(request, "events/configuration_list.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
def configuration_new(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _form_page(request, None, _blank())
    data, errors = posted_configuration(request.POST)
    if not errors:
        try:
            config = services.event_configuration_create(data=data)
        except services.EventConfigurationInvalid as exc:
            errors = exc.errors
        else:
            messages.success(request, f"Event “{config.name}” created.")
            return redirect("events:edit", pk=config.pk)
    return _form_page(request, None, data, errors, status=400)


@require_http_methods(["GET", "POST"])
def configuration_edit(request: HttpRequest, pk: int) -> HttpResponse:
    config = get_object_or_404(EventConfiguration, pk=pk)
    if request.method == "GET":
        return _form_page(request, config, services.configuration_data(config))
    data, errors = posted_configuration(request.POST)
    if not errors:
        try:
            config = services.event_configuration_update(config=config, data=data)
        except services.EventConfigurationInvalid as exc:
            errors = exc.errors
        else:
            messages.success(request, f"Event “{config.name}” saved.")
            return redirect("events:edit", pk=config.pk)
    return _form_page(
        request, get_object_or_404(EventConfiguration, pk=pk), data, errors, status=400
    )


@require_POST
def configuration_delete(request: HttpRequest, pk: int) -> HttpResponse:
    config = get_object_or_404(EventConfiguration, pk=pk)
    try:
        services.event_configuration_delete(config=config)
    except services.EventConfigurationInvalid as exc:
        messages.error(request, f"“{config.name}” was not deleted: {exc.errors[0]['message']}")
        return redirect("events:edit", pk=pk)
    messages.success(request, f"Event “{config.name}” deleted.")
    return redirect("events:list")


@require_POST
def configuration_preview(request: HttpRequest) -> HttpResponse:
    """HTMX: the payload preview for the form as it stands, plus (out of band) the identifier
    picker limited to the declared fields; the condition's errors go to the builder."""
    data, _ = posted_configuration(request.POST)
    event_id = request.POST.get("event_id") or None
    context = {
        "payload_json": json.dumps(
            example_payload(data | {"event_id": event_id}), indent=2, ensure_ascii=False
        ),
        "data": data,
        "identifier_choices": identifier_choices(data),
        "oob": True,
    }
    response = render(request, "events/_preview.html", context)
    errors: list[dict[str, str]] = []
    if data.get("id_type") == "rule_based" and data.get("condition") not in (None, {"all": []}):
        try:
            services.event_configuration_validate(data=data)
        except services.EventConfigurationInvalid as exc:
            errors = [e for e in exc.errors if e["field"].startswith("condition.")]
    return trigger_rule_errors(response, builder_id=BUILDER_ID, errors=errors)


@require_POST
def configuration_condition(request: HttpRequest) -> HttpResponse:
    """HTMX: the condition builder again, its palette being the fields now declared."""
    data, _ = posted_configuration(request.POST)
    return render(request, "events/_condition.html", {"builder": _builder(data, [])})


@require_GET
def event_explorer(request: HttpRequest) -> HttpResponse:
    """Recent events, newest first, filtered by configuration, status and profile; older ones
    page by `before` (an event id)."""
    params = request.GET
    config_id = _int(params.get("configuration"))
    status = params.get("status") if params.get("status") in Event.Status.values else None
    profile_id = _int(params.get("profile"))
    before = _int(params.get("before"))
    events = selectors.event_list(configuration_id=config_id, status=status, profile_id=profile_id)
    if before:
        events = events.filter(pk__lt=before)
    page = list(events[: EXPLORER_PAGE + 1])
    more = len(page) > EXPLORER_PAGE
    page = page[:EXPLORER_PAGE]
    query = {
        k: v
        for k, v in {"configuration": config_id, "status": status, "profile": profile_id}.items()
        if v
    }
    context = {
        "events": [
            (
                event,
                json.dumps(event.payload, indent=2, ensure_ascii=False),
                json.dumps(event.payload, ensure_ascii=False, separators=(", ", ": ")),
            )
            for event in page
        ],
        "configurations": selectors.configuration_list(),
        "statuses": Event.Status.choices,
        "filters": {
            "configuration": config_id,
            "status": status or "",
            "profile": profile_id or "",
        },
        "filtered": bool(query),
        "next_before": page[-1].pk if more and page else None,
        "query": query,
        "totals": selectors.status_totals(),
    }
    return render(request, "events/explorer.html", context)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _blank() -> dict[str, Any]:
    return {
        "name": "",
        "description": "",
        "type": "unitary",
        "id_type": "rule_based",
        "fields": [{"path": "email", "type": "string", "required": True}],
        "condition": None,
        "namespace": "email",
        "profile_id_field": "email",
    }


def _builder(data: dict[str, Any], errors: list[dict[str, str]]):
    fields = [f for f in data.get("fields") or [] if f.get("path")]
    return rule_builder(
        id=BUILDER_ID,
        name="condition",
        rule=data.get("condition"),
        fields=payload_palette(fields),
        errors=errors,
        palette_title="Payload fields",
        path="condition",
    )


def _form_page(
    request: HttpRequest,
    config: EventConfiguration | None,
    data: dict[str, Any],
    errors: list[dict[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    errors = errors or []
    condition_errors, row_errors, field_errors = split_errors(errors)
    live = live_usages(config.pk) if config else []
    locked_paths = {field["path"] for field in config.fields} if config else set()
    event_id = config.event_id if config else None
    context = {
        "config": config,
        "data": data,
        "fields_json": json.dumps(data.get("fields") or []),
        "row_errors": row_errors,
        "field_errors": field_errors,
        "has_errors": bool(errors),
        "builder": _builder(data, condition_errors),
        "condition_text": selectors.condition_text(config) if config else "",
        "live": live,
        "restricted": bool(live),
        "namespaces": selectors.namespace_choices(extra=data.get("namespace") or ""),
        "identifier_choices": identifier_choices(data),
        "payload_json": json.dumps(
            example_payload(data | {"event_id": event_id}), indent=2, ensure_ascii=False
        ),
        "field_rows": [
            {
                "field": field,
                "errors": row_errors.get(index, {}),
                "locked": bool(live)
                and isinstance(field, dict)
                and field.get("path") in locked_paths,
            }
            for index, field in enumerate(data.get("fields") or [])
        ],
        "blank_row": {
            "field": {"path": "", "type": "string", "required": False},
            "errors": {},
            "locked": False,
        },
        "field_type_choices": FIELD_TYPE_CHOICES,
        "event_id": event_id,
    }
    return render(request, "events/configuration_form.html", context, status=status)
