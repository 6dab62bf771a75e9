"""Reads of `events`: configurations (for pages, the API and journeys) and the event log
(the explorer, and the engine's look-ups by profile, configuration and time)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from audiences.models import Identity
from audiences.rules import FieldSpec
from audiences.rules.describe import describe_rule

from .models import Event, EventConfiguration, EventMatch
from .palette import payload_palette


def configuration_list() -> QuerySet[EventConfiguration]:
    return EventConfiguration.objects.order_by("name")


def configuration_by_name(name: str) -> EventConfiguration | None:
    """The configuration named `name` (journeys refer to events by name), or None."""
    return EventConfiguration.objects.filter(name=name).first()


def configuration_palette(config: EventConfiguration) -> dict[str, FieldSpec]:
    """Its payload fields as a rule palette (`path` -> FieldSpec, evaluated in Python): what a
    journey condition on `event.NAME.X` may use (prefix the names as the journey needs)."""
    return payload_palette(config.fields)


def event_list(
    *,
    configuration_id: int | None = None,
    status: str | None = None,
    profile_id: int | None = None,
) -> QuerySet[Event]:
    """The log, newest first, with matched configurations and profiles loaded (the explorer and
    `GET /api/v1/events/`)."""
    events = Event.objects.order_by("-id")
    if status:
        events = events.filter(status=status)
    if profile_id:
        events = events.filter(profile_id=profile_id)
    if configuration_id:
        events = events.filter(matches__configuration_id=configuration_id)
    return events.select_related("profile").prefetch_related(
        Prefetch(
            "matches", queryset=EventMatch.objects.select_related("configuration").order_by("id")
        )
    )


def profile_events(
    *, profile_id: int, configuration_id: int, since: dt.datetime | None = None
) -> QuerySet[EventMatch]:
    """A profile's accepted events of one configuration, oldest first, occurred at or after
    `since` (index `match_profile_config_time`). `.event.payload` holds the payload."""
    matches = EventMatch.objects.filter(profile_id=profile_id, configuration_id=configuration_id)
    if since is not None:
        matches = matches.filter(occurred_at__gte=since)
    return matches.order_by("occurred_at", "id").select_related("event")


def configuration_events(
    *, configuration_id: int, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> QuerySet[EventMatch]:
    """Accepted events of one configuration in a time window, oldest first (index
    `match_config_time`): business events, reports."""
    matches = EventMatch.objects.filter(configuration_id=configuration_id)
    if since is not None:
        matches = matches.filter(occurred_at__gte=since)
    if until is not None:
        matches = matches.filter(occurred_at__lt=until)
    return matches.order_by("occurred_at", "id").select_related("event")


def accepted_counts(*, days: int) -> dict[int, int]:
    """Accepted events per configuration over the last `days` days (index `match_config_time`)."""
    since = timezone.now() - dt.timedelta(days=days)
    rows = (
        EventMatch.objects.filter(occurred_at__gte=since)
        .values("configuration_id")
        .annotate(n=Count("id"))
    )
    return {row["configuration_id"]: row["n"] for row in rows}


def status_totals() -> dict[str, int]:
    """How many events the log holds by status (the explorer's header)."""
    rows = Event.objects.values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def condition_text(config: EventConfiguration) -> str:
    """The event-ID condition as a sentence ("purchaseMessage is thank you"), or how the event
    is recognised when it has none."""
    if not config.is_rule_based:
        return "Payloads carrying its eventID"
    if not config.condition:
        return ""
    return describe_rule(config.condition, configuration_palette(config))


DEFAULT_NAMESPACES = ("email", "crm_id", "phone")


def namespace_choices(*, extra: str = "") -> list[str]:
    """Identity namespaces in use, plus the usual ones (and the one being edited)."""
    used = set(Identity.objects.values_list("namespace", flat=True).distinct()[:100])
    names = set(DEFAULT_NAMESPACES) | used | ({extra} if extra else set())
    return sorted(names, key=lambda name: (name not in DEFAULT_NAMESPACES, name))
