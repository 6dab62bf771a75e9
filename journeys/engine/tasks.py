"""Celery tasks of the engine: one-line wrappers over the engine's functions.

- `tick` (beat, every second, expires 1 s): timers, then audience reads with a batch due.
- `expire_runs` (beat, every minute): journey timeouts, end dates, finished versions.
- `events_received`, `reactions_received`, `profiles_changed`: queued by the subscriptions
  (journeys/engine/subscriptions.py) right after the producer's transaction commits.
- `read_audience_occurrence`: fired by a recurring read-audience journey's own beat entry.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="journeys.engine.tick", ignore_result=True)
def tick() -> None:
    from journeys.engine import entries, timers

    timers.timers_sweep()
    entries.audience_reads_sweep()


@shared_task(name="journeys.engine.expire_runs", ignore_result=True)
def expire_runs() -> None:
    from journeys.engine import timers

    timers.expire_runs_sweep()


@shared_task(name="journeys.engine.events_received", ignore_result=True)
def events_received(events: list[list]) -> None:
    """`events`: [[event_id, configuration name, type, profile_id, is_test], …]."""
    from journeys.engine import races
    from journeys.engine.subscriptions import load_events

    races.events_received(load_events(events))


@shared_task(name="journeys.engine.reactions_received", ignore_result=True)
def reactions_received(reactions: list[list]) -> None:
    """`reactions`: [[run_id, message node, channel, kind], …]."""
    from journeys.engine import races

    races.reactions_received([tuple(item) for item in reactions])


@shared_task(name="journeys.engine.profiles_changed", ignore_result=True)
def profiles_changed(profile_ids: list[int]) -> None:
    from journeys.engine import qualification

    qualification.profiles_changed(profile_ids)


@shared_task(name="journeys.engine.read_audience_occurrence", ignore_result=True)
def read_audience_occurrence(version_id: int) -> None:
    from journeys.engine import lifecycle

    lifecycle.read_audience_occurrence(version_id=version_id)
