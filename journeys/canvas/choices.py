"""Reads behind the canvas's pickers (audiences, event configurations, custom actions, journeys).

Event configurations and custom actions belong to other parts; they are found through the app
registry so the canvas works whichever of them is installed yet.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps

from audiences.models import Audience
from journeys.models import Journey


def _model(app_label: str, name: str):
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


def audience_choices() -> list[dict[str, Any]]:
    return list(Audience.objects.order_by("name").values("id", "name"))


def event_choices(kind: str) -> list[dict[str, Any]]:
    """Event configurations of one kind (`unitary` | `business`): name, namespace."""
    model = _model("events", "EventConfiguration")
    if model is None:
        return []
    fields = {f.name for f in model._meta.get_fields()}
    queryset = model.objects.all()
    if "type" in fields:
        queryset = queryset.filter(type=kind)
    values = ["name"] + (["namespace"] if "namespace" in fields else [])
    return list(queryset.order_by("name").values(*values))


def action_choices() -> list[dict[str, Any]]:
    model = _model("journeys", "CustomAction")
    if model is None:
        return []
    return [{"id": a.pk, "name": getattr(a, "name", str(a))} for a in model.objects.order_by("pk")]


def journey_choices(*, exclude: int) -> list[dict[str, Any]]:
    return list(Journey.objects.exclude(pk=exclude).order_by("name").values("id", "name"))
