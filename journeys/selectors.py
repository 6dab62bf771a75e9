"""Reads of journeys: the exported document, versions, the list page."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery

from .models import Journey, JourneyVersion, VersionStatus
from .validation import Report, validate_document

PUBLISHED_STATUSES = (
    VersionStatus.LIVE,
    VersionStatus.CLOSED,
    VersionStatus.STOPPED,
    VersionStatus.FINISHED,
)


def version_document(version: JourneyVersion) -> dict[str, Any]:
    """The contract's JSON of a version (the export format): name, description (when set),
    namespace, properties, nodes, edges — what was posted, key for key.

    PostgreSQL's jsonb does not keep key order, so the export puts keys in a fixed order
    (contract order for the document, nodes and edges; sorted inside configs and properties):
    the same journey always exports to the same text, which keeps journeys diffable in git."""
    journey = version.journey
    doc: dict[str, Any] = {"name": journey.name}
    if journey.description:
        doc["description"] = journey.description
    if journey.namespace:
        doc["namespace"] = journey.namespace
    if journey.properties:
        doc["properties"] = _sorted(journey.properties)
    doc["nodes"] = [_ordered(node, NODE_KEY_ORDER) for node in version.definition.get("nodes", [])]
    doc["edges"] = [_ordered(edge, EDGE_KEY_ORDER) for edge in version.definition.get("edges", [])]
    return doc


NODE_KEY_ORDER = ("id", "type", "label", "config")
EDGE_KEY_ORDER = ("from", "to", "port")


def _ordered(item: Any, order: tuple[str, ...]) -> Any:
    if not isinstance(item, dict):
        return item
    known = {key: _sorted(item[key]) for key in order if key in item}
    return known | {key: _sorted(item[key]) for key in sorted(item) if key not in order}


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def latest_version(journey: Journey) -> JourneyVersion:
    return journey.versions.order_by("-number").first()


def open_version(journey: Journey) -> JourneyVersion | None:
    """The unpublished version (draft or test), if any."""
    return journey.versions.filter(status__in=[VersionStatus.DRAFT, VersionStatus.TEST]).first()


def live_version(journey: Journey) -> JourneyVersion | None:
    return journey.versions.filter(status=VersionStatus.LIVE).first()


def published_entry_type(
    journey: Journey, *, excluding: JourneyVersion | None = None
) -> str | None:
    """The entry type fixed by the journey's published versions (None before the first)."""
    if (
        not journey.versions.filter(status__in=PUBLISHED_STATUSES)
        .exclude(pk=getattr(excluding, "pk", None))
        .exists()
    ):
        return None
    return journey.entry_type or None


def version_report(version: JourneyVersion) -> Report:
    """Full validation of a version (errors block test and publish)."""
    return validate_document(
        version_document(version),
        previous_entry_type=published_entry_type(version.journey, excluding=version),
        journey_id=version.journey_id,
    )


def journey_list(*, search: str = "", status: str = "") -> QuerySet[Journey]:
    """Journeys with their latest version's number, status, last change and author, and the
    live version's number when another version is being drafted (one query).

    `status` filters on the latest version's status."""
    latest = JourneyVersion.objects.filter(journey=OuterRef("pk")).order_by("-number")
    queryset = Journey.objects.annotate(
        latest_number=Subquery(latest.values("number")[:1]),
        latest_status=Subquery(latest.values("status")[:1]),
        latest_updated_at=Subquery(latest.values("updated_at")[:1]),
        latest_id=Subquery(latest.values("pk")[:1]),
        latest_updated_by=Subquery(latest.values("updated_by__username")[:1]),
        live_number=Subquery(
            JourneyVersion.objects.filter(journey=OuterRef("pk"), status=VersionStatus.LIVE).values(
                "number"
            )[:1]
        ),
    )
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(description__icontains=search))
    if status:
        queryset = queryset.filter(latest_status=status)
    return queryset.order_by("-latest_updated_at", "-pk")
