"""Answers `audiences.usage` for journeys: which journey versions read an audience.

Registered in `JourneysConfig.ready`. An audience is read by whatever node's `references` names
it — a Read audience, a business event's audience, an audience qualification entry — by id or
by name. Draft, test, live and closed versions count (the same as for event configurations):
any of them prevents deleting the audience. So does any version that has read it (stopped or
finished ones too): its `AudienceRead` rows, kept for the report, protect the audience.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import Q
from django.urls import reverse

from audiences.usage import Usage
from journeys.event_usage import USING_STATUSES, version_label
from journeys.references import definition_references


def journeys_using_audiences(audience_ids: Collection[int]) -> dict[int, list[Usage]]:
    """Usages of these audiences by journey versions, by audience id."""
    from audiences.models import Audience
    from journeys.models import AudienceRead, JourneyVersion

    name_by_id = dict(Audience.objects.filter(pk__in=audience_ids).values_list("pk", "name"))
    found: dict[int, list[Usage]] = {}
    if not name_by_id:
        return found
    id_by_ref: dict[Any, int] = {pk: pk for pk in name_by_id}
    id_by_ref |= {name: pk for pk, name in name_by_id.items()}
    read_by_version: dict[int, set[int]] = {}
    reads = AudienceRead.objects.filter(audience_id__in=name_by_id)
    for version_id, audience_id in reads.values_list("version_id", "audience_id").distinct():
        read_by_version.setdefault(version_id, set()).add(audience_id)
    versions = JourneyVersion.objects.filter(
        Q(status__in=USING_STATUSES) | Q(pk__in=read_by_version)
    ).select_related("journey")
    for version in versions.only("number", "status", "definition", "journey__name"):
        used = set(read_by_version.get(version.pk, ()))
        if version.status in USING_STATUSES:
            refs = definition_references(version.definition).audiences
            used |= {id_by_ref[r] for r in refs if _is_ref(r) and r in id_by_ref}
        for audience_id in sorted(used):
            found.setdefault(audience_id, []).append(
                Usage(
                    label=version_label(version),
                    url=reverse("journeys:canvas", args=[version.journey_id]),
                )
            )
    return found


def _is_ref(ref: Any) -> bool:
    """An audience id or name (a malformed draft may hold anything else)."""
    return isinstance(ref, str | int) and not isinstance(ref, bool)
