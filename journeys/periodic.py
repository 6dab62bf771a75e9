"""Periodic tasks, declared in code and synced into django-celery-beat's tables on migrate.

Nobody creates these by hand in the admin: `sync_periodic_tasks` makes the beat tables match
`PERIODIC_TASKS` (creating, updating, and removing entries it owns, i.e. named `sentier:*`).
Each entry carries `expires` so a late worker never runs a stale tick.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PREFIX = "sentier:"


@dataclass(frozen=True)
class Periodic:
    name: str
    task: str
    every_seconds: float
    expires_seconds: float
    comment: str


# Cadences: see each comment. Add an entry here, never in the admin.
PERIODIC_TASKS: list[Periodic] = [
    Periodic(
        name="channels-tick",
        task="channels.tick",
        every_seconds=5,
        expires_seconds=5,
        comment="Every 5 s: re-queue sends lost with a dead worker (lease expired) and start "
        "delivery of due messages (retries after back-off). New messages are kicked on commit.",
    ),
    # Every second: due timers (waits, race timeouts) and audience-read batches. A tick older
    # than a second is dropped: the next one does the same work.
    Periodic(
        "engine-tick", "journeys.engine.tick", 1, 1, "Journey engine: timers and audience reads"
    ),
    # Every minute: 91-day journey timeouts, journey end dates, finished versions.
    Periodic(
        "engine-expire-runs",
        "journeys.engine.expire_runs",
        60,
        60,
        "Journey engine: timeouts, end dates",
    ),
]


def sync_periodic_tasks(**_: Any) -> None:
    """Make django-celery-beat's tables match PERIODIC_TASKS."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    wanted = {PREFIX + item.name: item for item in PERIODIC_TASKS}
    PeriodicTask.objects.filter(name__startswith=PREFIX).exclude(name__in=wanted).delete()
    for name, item in wanted.items():
        if item.every_seconds >= 1 and float(item.every_seconds).is_integer():
            every, period = int(item.every_seconds), IntervalSchedule.SECONDS
        else:
            every, period = int(item.every_seconds * 1_000_000), IntervalSchedule.MICROSECONDS
        interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
        PeriodicTask.objects.update_or_create(
            name=name,
            defaults={
                "task": item.task,
                "interval": interval,
                "expire_seconds": int(max(1, item.expires_seconds)),
                "description": item.comment,
                "enabled": True,
            },
        )
