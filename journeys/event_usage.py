"""Answers `events.usage` for journeys: which journeys use an event configuration.

Registered in `JourneysConfig.ready`. A version counts as *live* while profiles can still be
inside it or enter it (live, or closed with runs finishing): its event configurations then
accept only name/description changes and new fields. Drafts and test versions are usages too
(they prevent deletion) but not live ones.
"""

from __future__ import annotations

from collections.abc import Collection

from django.urls import reverse

from events.usage import Usage
from journeys import activities

LIVE_STATUSES = ("live", "closed")
USING_STATUSES = ("draft", "test", "live", "closed")


def journeys_using(configuration_ids: Collection[int]) -> dict[int, list[Usage]]:
    """Usages of these configurations by journey versions, by configuration id."""
    from events.models import EventConfiguration
    from journeys.models import JourneyVersion

    id_by_name = dict(
        EventConfiguration.objects.filter(pk__in=configuration_ids).values_list("name", "pk")
    )
    found: dict[int, list[Usage]] = {}
    if not id_by_name:
        return found
    versions = JourneyVersion.objects.filter(status__in=USING_STATUSES).select_related("journey")
    for version in versions.only("number", "status", "definition", "journey__name"):
        for name in _event_names(version.definition) & id_by_name.keys():
            found.setdefault(id_by_name[name], []).append(
                Usage(
                    label=f"Journey “{version.journey.name}” (v{version.number}, {version.status})",
                    live=version.status in LIVE_STATUSES,
                    url=reverse("journeys:canvas", args=[version.journey_id]),
                )
            )
    return found


def _event_names(definition: dict) -> set[str]:
    names: set[str] = set()
    for node in (definition or {}).get("nodes", []):
        activity = activities.REGISTRY.get(node.get("type"))
        if activity is not None and isinstance(node.get("config"), dict):
            names |= activity.references(node["config"]).events
    return names
