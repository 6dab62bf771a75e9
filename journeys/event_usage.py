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
from journeys.references import definition_references

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
        names = definition_references(version.definition).events
        for name in names & id_by_name.keys():
            found.setdefault(id_by_name[name], []).append(
                Usage(
                    label=version_label(version),
                    live=version.status in LIVE_STATUSES,
                    url=reverse("journeys:canvas", args=[version.journey_id]),
                )
            )
    return found


def version_label(version) -> str:
    """How a usage names a journey version: Journey “Welcome” (v3, live)."""
    return f"Journey “{version.journey.name}” (v{version.number}, {version.status})"
