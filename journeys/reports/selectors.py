"""Report reads. Every figure comes from a fixed handful of aggregate queries over the versions
asked for — never a query per node or per profile — and `is_test` keeps test data apart.

    report = journey_report(version_ids=[7, 9])             # live data of those versions
    report.as_api()  # {"entered", "exited", "errors", "discarded", "nodes": {"first": {...}}}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import Trunc
from django.utils import timezone

from journeys.engine.history import node_types
from journeys.engine.walker import has_open_step
from journeys.models import (
    EntryDiscard,
    Journey,
    JourneyVersion,
    Message,
    Reaction,
    Run,
    Step,
    VersionStatus,
)

MESSAGE_FIGURES = ("sent", "excluded", "failed", "opened", "clicked")
REPORTED_STATUSES = (
    VersionStatus.LIVE,
    VersionStatus.CLOSED,
    VersionStatus.STOPPED,
    VersionStatus.FINISHED,
)


@dataclass
class NodeFigures:
    entered: int = 0
    exited: int = 0
    errors: int = 0
    messages: dict[str, int] | None = (
        None  # message activities: sent/excluded/failed/opened/clicked
    )

    def as_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "entered": self.entered,
            "exited": self.exited,
            "errors": self.errors,
        }
        if self.messages is not None:
            data.update(self.messages)
        return data


@dataclass
class Report:
    entered: int = 0
    exited: int = 0
    errors: int = 0
    discarded: int = 0
    active: int = 0
    nodes: dict[str, NodeFigures] = field(default_factory=dict)
    discard_reasons: dict[str, int] = field(default_factory=dict)

    def node(self, node_id: str) -> NodeFigures:
        return self.nodes.get(node_id) or NodeFigures()

    def as_api(self) -> dict[str, Any]:
        return {
            "entered": self.entered,
            "exited": self.exited,
            "errors": self.errors,
            "discarded": self.discarded,
            "active": self.active,
            "nodes": {node_id: figures.as_api() for node_id, figures in self.nodes.items()},
        }


def reported_versions(journey: Journey) -> list[JourneyVersion]:
    """The published versions of a journey (what its live report covers), newest first."""
    return list(journey.versions.filter(status__in=REPORTED_STATUSES).order_by("-number"))


def journey_report(*, version_ids: Sequence[int], is_test: bool = False) -> Report:
    """Totals and per-node figures of `version_ids` (live data unless `is_test`).

    Queries: runs (one aggregate, plus entries per version for the entry nodes, plus runs
    parked per node: their open steps), steps per node, discarded entries, messages per node
    and status, reactions per node and kind."""
    report = Report()
    ids = list(version_ids)
    if not ids:
        return report
    runs = Run.objects.filter(version_id__in=ids, is_test=is_test)
    totals = runs.aggregate(
        entered=Count("id"),
        active=Count("id", filter=Q(status="active")),
        exited=Count("id", filter=~Q(status="active")),
        errors=Count("id", filter=Q(status="error")),
    )
    report.entered, report.active = totals["entered"], totals["active"]
    report.exited, report.errors = totals["exited"], totals["errors"]
    for row in (
        Step.objects.filter(version_id__in=ids, run__is_test=is_test)
        .values("node")
        .annotate(
            entered=Count("id"),
            exited=Count("id", filter=Q(left_at__isnull=False)),
            errors=Count("id", filter=~Q(error="")),
        )
    ):
        report.nodes[row["node"]] = NodeFigures(row["entered"], row["exited"], row["errors"])
    _runs_per_node(report, ids, runs)
    reasons = (
        EntryDiscard.objects.filter(version_id__in=ids, is_test=is_test)
        .values("reason")
        .annotate(count=Sum("count"))
    )
    report.discard_reasons = {row["reason"]: row["count"] for row in reasons}
    report.discarded = sum(report.discard_reasons.values())
    _message_figures(report, ids, is_test)
    return report


def _runs_per_node(report: Report, ids: list[int], runs) -> None:
    """What has no step row comes from the runs (one grouped query): the runs parked at a node
    with their step still open (`has_open_step`) and the entry activity, left as it is entered
    (its figures are the runs' entries, under each version's entry node id)."""
    from journeys.validation import definition_entry

    definitions = dict(JourneyVersion.objects.filter(pk__in=ids).values_list("pk", "definition"))
    types = {version_id: node_types(definition) for version_id, definition in definitions.items()}
    per_version: dict[int, int] = {}
    for row in runs.values("version_id", "node", "state").annotate(
        n=Count("id"), parked=Count("id", filter=Q(status="active"))
    ):
        version_id, node = row["version_id"], row["node"]
        per_version[version_id] = per_version.get(version_id, 0) + row["n"]
        node_type = types.get(version_id, {}).get(node, "")
        if row["parked"] and has_open_step(row["state"], node_type):
            report.nodes.setdefault(node, NodeFigures()).entered += row["parked"]
    with_steps = set(report.nodes)
    for version_id, definition in definitions.items():
        entry = definition_entry(definition or {})
        if entry is None or entry["id"] in with_steps:
            continue
        figures = report.nodes.setdefault(entry["id"], NodeFigures())
        figures.entered += per_version.get(version_id, 0)
        figures.exited += per_version.get(version_id, 0)


def _message_figures(report: Report, ids: list[int], is_test: bool) -> None:
    messages = Message.objects.filter(journey_version_id__in=ids, is_test=is_test)
    for row in messages.values("node_id", "status").annotate(n=Count("id")):
        figures = report.nodes.setdefault(row["node_id"], NodeFigures())
        figures.messages = figures.messages or dict.fromkeys(MESSAGE_FIGURES, 0)
        if row["status"] in figures.messages:
            figures.messages[row["status"]] += row["n"]
    reactions = (
        Reaction.objects.filter(message__journey_version_id__in=ids, message__is_test=is_test)
        .values("message__node_id", "kind")
        .annotate(n=Count("id"))
    )
    for row in reactions:
        figures = report.nodes.setdefault(row["message__node_id"], NodeFigures())
        figures.messages = figures.messages or dict.fromkeys(MESSAGE_FIGURES, 0)
        figures.messages[row["kind"]] = figures.messages.get(row["kind"], 0) + row["n"]


# --- counts over time ---------------------------------------------------------------------------


@dataclass
class Timeseries:
    unit: str  # minute | hour | day
    buckets: list[dt.datetime]
    series: dict[str, list[int]]  # name -> one count per bucket


UNITS = (
    ("minute", dt.timedelta(minutes=1)),
    ("hour", dt.timedelta(hours=1)),
    ("day", dt.timedelta(days=1)),
)
MAX_BUCKETS = 180
MIN_BUCKETS = 30  # a young journey still gets a readable time axis (the last 30 minutes)


def report_timeseries(
    *, version_ids: Sequence[int], is_test: bool = False, now: dt.datetime | None = None
) -> Timeseries:
    """Entered, exited, sent, opened and clicked per bucket, from the first entry to now; the
    bucket (minute, hour, day) is the finest that keeps at most MAX_BUCKETS points. One
    grouped query per series (Trunc works on PostgreSQL and SQLite alike)."""
    now = now or timezone.now()
    ids = list(version_ids)
    runs = Run.objects.filter(version_id__in=ids, is_test=is_test)
    first = runs.order_by("entered_at").values_list("entered_at", flat=True).first()
    start = first or now
    unit, step = next(
        ((name, size) for name, size in UNITS if (now - start) / size <= MAX_BUCKETS), UNITS[-1]
    )
    messages = Message.objects.filter(journey_version_id__in=ids, is_test=is_test)
    reactions = Reaction.objects.filter(
        message__journey_version_id__in=ids, message__is_test=is_test
    )
    sources = {
        "entered": (runs, "entered_at"),
        "exited": (runs.exclude(status="active"), "ended_at"),
        "sent": (messages.filter(status="sent"), "sent_at"),
        "opened": (reactions.filter(kind="opened"), "first_at"),
        "clicked": (reactions.filter(kind="clicked"), "first_at"),
    }
    begin = min(_truncate(start, unit), _truncate(now - step * (MIN_BUCKETS - 1), unit))
    buckets = []
    cursor = begin
    while cursor <= now and len(buckets) < MAX_BUCKETS * 2:
        buckets.append(cursor)
        cursor += step
    index = {bucket: i for i, bucket in enumerate(buckets)}
    series: dict[str, list[int]] = {}
    for name, (queryset, column) in sources.items():
        counts = [0] * len(buckets)
        rows = (
            queryset.filter(**{f"{column}__isnull": False})
            .annotate(bucket=Trunc(column, unit, tzinfo=dt.UTC))
            .values("bucket")
            .annotate(n=Count("id"))
            .values_list("bucket", "n")
        )
        for bucket, n in rows:
            position = index.get(_aware(bucket))
            if position is not None:
                counts[position] += n
        series[name] = counts
    return Timeseries(unit=unit, buckets=buckets, series=series)


def _truncate(moment: dt.datetime, unit: str) -> dt.datetime:
    moment = moment.astimezone(dt.UTC).replace(second=0, microsecond=0)
    if unit in ("hour", "day"):
        moment = moment.replace(minute=0)
    if unit == "day":
        moment = moment.replace(hour=0)
    return moment


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
