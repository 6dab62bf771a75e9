"""Engine hooks called by the lifecycle services (journeys/services/lifecycle.py), INSIDE the
service's transaction, right after the version's status changed: what the engine records here
commits (or rolls back) with the status change. No Celery work is started from here: the beat's
tick picks up what these hooks leave in the database (audience reads, timers).

- published (live): read audience → an AudienceRead now or at the instant, or a recurring
  django-celery-beat entry owned by the journey (`journey:<id>:read`); qualification → the
  audience's memberships synced; unitary and business events → nothing (accepted events look
  the live versions up).
- stopped: every active run exits now, set-based; pending timers cancelled; reads cancelled;
  the journey's schedule removed.
- closed: no new entries (reads cancelled, schedule removed); runs inside finish where they
  are; the expire sweep marks the version `finished` when none is left.
- test mode on/off (`test_started` / `test_stopped`): only test profiles enter a version in
  test mode; turning it off deletes its test runs with their steps and timers.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from journeys.engine import adapters, entries, qualification, timers
from journeys.engine.plan import Plan, plan_for

if TYPE_CHECKING:
    from journeys.models import JourneyVersion

SCHEDULE_TASK = "journeys.engine.read_audience_occurrence"
WEEKDAY_NUMBERS = {
    "sun": "0",
    "mon": "1",
    "tue": "2",
    "wed": "3",
    "thu": "4",
    "fri": "5",
    "sat": "6",
}


def version_published(version: JourneyVersion, *, replaced: JourneyVersion | None = None) -> None:
    """`version` just became live (`replaced`, now closed, got `version_closed`): start taking
    entries."""
    adapters.forget_plans()
    plan = plan_for(version)
    entry = plan.entry
    if entry.type == "read_audience":
        _schedule_reads(plan, entry.config)
    elif entry.type == "audience_qualification" and entry.config.get("audience"):
        qualification.sync_memberships(int(entry.config["audience"]))


def test_started(version: JourneyVersion) -> None:
    """Test mode on: like publishing, but only test profiles enter (entries checks `is_test`).
    Read-audience test runs are started by hand (`enter_profiles`), never scheduled."""
    plan = plan_for(version)
    if plan.entry.type == "audience_qualification" and plan.entry.config.get("audience"):
        qualification.sync_memberships(int(plan.entry.config["audience"]))


def version_stopped(version: JourneyVersion) -> int:
    """Every active run exits now; returns how many."""
    _stop_entries(version)
    return timers.exit_runs(version_id=version.pk, reason="stopped")


def version_closed(version: JourneyVersion) -> None:
    """No new entries; the runs inside go on to their end."""
    _stop_entries(version)


def test_stopped(version: JourneyVersion) -> int:
    """Test mode off: the version's test runs go, with their steps and timers (cascade)."""
    from journeys.models import AudienceRead, EntryDiscard, Run

    AudienceRead.objects.filter(version_id=version.pk, is_test=True).delete()
    EntryDiscard.objects.filter(version_id=version.pk, is_test=True).delete()
    deleted, _ = Run.objects.filter(version_id=version.pk, is_test=True).delete()
    return deleted


def _stop_entries(version: JourneyVersion) -> None:
    from journeys.models import AudienceRead

    adapters.forget_plans()
    AudienceRead.objects.filter(version_id=version.pk, status="pending").update(
        status="cancelled", finished_at=timezone.now()
    )
    remove_schedule(version.journey_id)


# --- read-audience schedules --------------------------------------------------------------------
def schedule_name(journey_id: int) -> str:
    return f"journey:{journey_id}:read"


def _schedule_reads(plan: Plan, config: dict[str, Any]) -> None:
    schedule = config.get("schedule") or {"type": "once"}
    audience, rate = int(config["audience"]), config.get("rate")
    if schedule.get("type", "once") == "once":
        at = _instant(schedule.get("at"), plan)
        entries.audience_read_create(
            plan=plan,
            audience_id=audience,
            rate=rate,
            start_at=at,
            key=f"at:{at.isoformat()}" if at else "once",
        )
        return
    remove_schedule(plan.journey_id)
    create_schedule(plan, schedule)


def create_schedule(plan: Plan, schedule: dict[str, Any]) -> None:
    """A django-celery-beat crontab entry, in the journey's time zone, owned by the journey
    (named after it; removed on stop/close), firing `read_audience_occurrence`."""
    import json

    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    hour, _, minute = (schedule.get("time") or "09:00").partition(":")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=str(int(minute or 0)),
        hour=str(int(hour or 0)),
        day_of_week=WEEKDAY_NUMBERS.get(schedule.get("weekday", ""), "*")
        if schedule["type"] == "weekly"
        else "*",
        day_of_month=str(schedule.get("day", 1)) if schedule["type"] == "monthly" else "*",
        month_of_year="*",
        timezone=str(plan.timezone),
    )
    PeriodicTask.objects.update_or_create(
        name=schedule_name(plan.journey_id),
        defaults={
            "task": SCHEDULE_TASK,
            "crontab": crontab,
            "interval": None,
            "kwargs": json.dumps({"version_id": plan.version_id}),
            "start_time": _instant(schedule.get("start"), plan),
            "expires": _instant(schedule.get("end"), plan),
            "enabled": True,
            "expire_seconds": 3600,
            "description": f"Read audience of journey {plan.journey_id} (version {plan.version_id})",
        },
    )


def remove_schedule(journey_id: int) -> None:
    from django_celery_beat.models import PeriodicTask

    PeriodicTask.objects.filter(name=schedule_name(journey_id)).delete()


def read_audience_occurrence(*, version_id: int, now: dt.datetime | None = None) -> bool:
    """One occurrence of a recurring read: schedule the reading (once per minute-occurrence)."""
    from journeys.engine import adapters

    now = now or timezone.now()
    plan = adapters.plan_by_version_id(version_id)
    if not plan.accepts_entries or plan.entry.type != "read_audience":
        return False
    config = plan.entry.config
    return entries.audience_read_create(
        plan=plan,
        audience_id=int(config["audience"]),
        rate=config.get("rate"),
        key=f"schedule:{now.replace(second=0, microsecond=0).isoformat()}",
    )


def _instant(value: Any, plan: Plan) -> dt.datetime | None:
    from journeys.engine.plan import _instant_in

    return _instant_in(value, plan.timezone)
