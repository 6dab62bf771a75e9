"""Audience pages: the list (counts lazy-loaded per row), the builder page (create / edit),
and the HTMX fragments the builder calls: live count + sample, value suggestions."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audiences.models import Audience
from audiences.palettes import profile_rule_builder
from audiences.rules import PROFILE_FIELDS, validate_rule
from audiences.rules.builder import EMPTY_RULE, trigger_rule_errors
from audiences.rules.describe import describe_rule
from audiences.selectors.audiences import (
    audience_count,
    field_value_suggestions,
    rule_preview,
)
from audiences.selectors.audiences import (
    audience_list as select_audiences,
)
from audiences.services.audiences import (
    AudienceInvalid,
)
from audiences.services.audiences import (
    audience_create as create_audience,
)
from audiences.services.audiences import (
    audience_delete as delete_audience,
)
from audiences.services.audiences import (
    audience_update as update_audience,
)
from audiences.usage import usages

BUILDER_ID = "audience-rule"


@require_GET
def audience_list(request: HttpRequest) -> HttpResponse:
    audiences = [
        (audience, describe_rule(audience.rule, PROFILE_FIELDS)) for audience in select_audiences()
    ]
    return render(request, "audiences/audience_list.html", {"audiences": audiences})


@require_GET
def audience_count_cell(request: HttpRequest, pk: int) -> HttpResponse:
    """The count cell of one list row (loaded after the page, so the list itself stays fast)."""
    audience = get_object_or_404(Audience, pk=pk)
    return render(
        request, "audiences/_count_cell.html", {"count": audience_count(audience=audience)}
    )


@require_http_methods(["GET", "POST"])
def audience_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        values, errors = _posted(request)
        if not errors:
            try:
                audience = create_audience(**values)
            except AudienceInvalid as invalid:
                errors = invalid.errors
            else:
                messages.success(request, f"Audience “{audience.name}” created.")
                return redirect("audiences:list")
        return _builder_page(request, None, values, errors, status=400)
    return _builder_page(request, None, {"name": "", "description": "", "rule": EMPTY_RULE}, [])


@require_http_methods(["GET", "POST"])
def audience_edit(request: HttpRequest, pk: int) -> HttpResponse:
    audience = get_object_or_404(Audience, pk=pk)
    if request.method == "POST":
        values, errors = _posted(request)
        if not errors:
            try:
                update_audience(audience=audience, **values)
            except AudienceInvalid as invalid:
                errors = invalid.errors
                audience.refresh_from_db()
            else:
                messages.success(request, f"Audience “{audience.name}” saved.")
                return redirect("audiences:list")
        return _builder_page(request, audience, values, errors, status=400)
    values = {"name": audience.name, "description": audience.description, "rule": audience.rule}
    return _builder_page(request, audience, values, [])


@require_POST
def audience_remove(request: HttpRequest, pk: int) -> HttpResponse:
    audience = get_object_or_404(Audience, pk=pk)
    try:
        delete_audience(audience=audience)
    except AudienceInvalid as refused:
        messages.error(
            request, f"“{audience.name}” was not deleted: {refused.errors[0]['message']}"
        )
        return redirect("audiences:edit", pk=pk)
    messages.success(request, f"Audience “{audience.name}” deleted.")
    return redirect("audiences:list")


@require_POST
def audience_preview(request: HttpRequest) -> HttpResponse:
    """HTMX: the live "≈ N profiles" and a sample for the posted rule; the rule's errors go to
    the builder through an `HX-Trigger` header (shown at the offending condition)."""
    rule, parse_errors = _parse_rule(request.POST.get("rule", ""))
    if rule == EMPTY_RULE:  # a fresh builder: nothing to count, nothing wrong yet
        response = render(request, "audiences/_preview.html", {"empty": True})
        return trigger_rule_errors(response, builder_id=BUILDER_ID, errors=[])
    errors = parse_errors or [e.as_dict() for e in validate_rule(rule, fields=PROFILE_FIELDS)]
    context: dict[str, Any] = {"errors": errors}
    if not errors:
        count, sample = rule_preview(rule)
        context |= {
            "count": count,
            "sample": sample,
            "description": describe_rule(rule, PROFILE_FIELDS),
        }
    response = render(request, "audiences/_preview.html", context)
    return trigger_rule_errors(response, builder_id=BUILDER_ID, errors=errors)


@require_GET
def field_values(request: HttpRequest, name: str) -> JsonResponse:
    """Suggested values of a profile text field, most common first: `{"values": [...]}`."""
    if name not in PROFILE_FIELDS:
        return JsonResponse({"errors": [{"field": "name", "message": "unknown field"}]}, status=404)
    prefix = request.GET.get("q", "").strip()[:100]
    return JsonResponse({"values": field_value_suggestions(field=name, prefix=prefix)})


def _builder_page(
    request: HttpRequest,
    audience: Audience | None,
    values: dict[str, Any],
    errors: list[dict[str, str]],
    status: int = 200,
) -> HttpResponse:
    rule_errors = [e for e in errors if e["field"] == "rule" or e["field"].startswith("rule.")]
    field_errors = {e["field"]: e["message"] for e in errors if e not in rule_errors}
    context = {
        "audience": audience,
        "values": values,
        "field_errors": field_errors,
        "has_errors": bool(errors),
        "builder": profile_rule_builder(id=BUILDER_ID, rule=values.get("rule"), errors=rule_errors),
        "used_by": usages([audience.pk])[audience.pk] if audience else [],
    }
    return render(request, "audiences/audience_builder.html", context, status=status)


def _posted(request: HttpRequest) -> tuple[dict[str, Any], list[dict[str, str]]]:
    rule, errors = _parse_rule(request.POST.get("rule", ""))
    values = {
        "name": request.POST.get("name", ""),
        "description": request.POST.get("description", ""),
        "rule": rule if not errors else EMPTY_RULE,
    }
    return values, errors


def _parse_rule(text: str) -> tuple[Any, list[dict[str, str]]]:
    try:
        return json.loads(text), []
    except (TypeError, ValueError):
        return None, [{"field": "rule", "message": "the rule could not be read (not valid JSON)"}]
