"""Reads behind the canvas's pickers (audiences, event configurations, custom actions, journeys).

Custom actions belong to the channels part; they are found through the app registry so the
canvas works whether or not they are installed yet.
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
    from events.selectors import configuration_list

    return list(configuration_list().filter(type=kind).values("name", "namespace"))


def action_choices() -> list[dict[str, Any]]:
    model = _model("journeys", "CustomAction")
    if model is None:
        return []
    return [{"id": a.pk, "name": getattr(a, "name", str(a))} for a in model.objects.order_by("pk")]


def journey_choices(*, exclude: int) -> list[dict[str, Any]]:
    return list(Journey.objects.exclude(pk=exclude).order_by("name").values("id", "name"))
