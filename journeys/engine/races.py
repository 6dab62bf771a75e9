"""Events and reactions moving runs that listen for them (races), and unitary/business entries.

A run that reaches a node followed by event/reaction activities parks there, `listening`. The
first matching happening wins: the run is locked *from the state it was in* (same node, still
listening, still active) — whoever locks it first moves it, a second copy of the event or a
racing timeout finds it gone and does nothing. The race's timeout timer is cancelled with SKIP
LOCKED (a sweeper holding it will find the run moved and let go).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from journeys.engine import adapters, entries, sql
from journeys.engine.plan import Node, Plan
from journeys.engine.walker import RunRow, Walk

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IncomingEvent:
    event_id: int
    name: str
    type: str  # unitary | business
    profile_id: int | None
    payload: dict[str, Any]
    is_test: bool = False


# --- events -----------------------------------------------------------------------------------
def events_received(events: Iterable[IncomingEvent], *, now: dt.datetime | None = None) -> int:
    """Everything accepted events do to journeys: move the runs of their profiles that listen
    for them, enter unitary-event journeys, schedule business-event audience reads. Returns
    the number of runs moved or started."""
    events = list(events)
    if not events:
        return 0
    now = now or timezone.now()
    plans = [plan for plan in adapters.entry_versions() if plan.entry.type in ("unitary_event", "business_event")]
    touched = 0
    for event in events:
        if event.type == "business":
            _business_event(event, plans)
            continue
        if event.profile_id is None:
            continue
        touched += move_listening_runs(event, now=now)
        for plan in plans:
            if plan.entry.type == "unitary_event" and plan.entry.config.get("event") == event.name:
                context = {"entry": {"event": event.name, "event_id": event.event_id},
                           "event": {event.name: event.payload}}
                touched += entries.enter_profiles(plan=plan, profile_ids=[event.profile_id], context=context, now=now)
    return touched


def _business_event(event: IncomingEvent, plans: list[Plan]) -> None:
    """A business event makes each business-event journey on it read its audience, once per event."""
    for plan in plans:
        entry = plan.entry
        if entry.type != "business_event" or entry.config.get("event") != event.name:
            continue
        reader = plan.next_node(entry.id)
        audience = entry.config.get("audience") or (reader.config.get("audience") if reader else None)
        if audience is None:
            logger.warning("business-event journey version %s has no audience", plan.version_id)
            continue
        rate = reader.config.get("rate") if reader is not None and reader.type == "read_audience" else None
        entries.audience_read_create(
            plan=plan, audience_id=int(audience), key=f"event:{event.event_id}", rate=rate,
            context={"entry": {"event": event.name, "event_id": event.event_id}, "event": {event.name: event.payload}},
        )


def move_listening_runs(event: IncomingEvent, *, now: dt.datetime) -> int:
    """Runs of the event's profile listening for an `event` activity on this event win it."""
    from journeys.models import Run

    candidates = list(
        Run.objects.filter(profile_id=event.profile_id, status="active", state="listening").values_list(
            "id", "version_id", "node"
        )
    )
    moved = 0
    for run_id, version_id, node_id in candidates:
        plan = adapters.plan_by_version_id(version_id)
        winner = next(
            (n for n in plan.listeners(node_id) if n.type == "event" and n.config.get("event") == event.name), None
        )
        if winner is not None:
            moved += win_race(plan, run_id=run_id, at=node_id, winner=winner, now=now,
                              event=(event.name, event.payload))
    return moved


# --- reactions --------------------------------------------------------------------------------
def reaction_received(*, run_id: int, node_id: str, channel: str, kind: str, now: dt.datetime | None = None) -> int:
    """The first open/click of a message this run was sent at `node_id`, on `channel`: the run
    wins the matching reaction if it is listening for it now."""
    from journeys.models import Run

    now = now or timezone.now()
    row = Run.objects.filter(id=run_id, status="active", state="listening").values_list("version_id", "node").first()
    if row is None:
        return 0
    version_id, at = row
    plan = adapters.plan_by_version_id(version_id)
    winner = next((n for n in plan.listeners(at) if _reaction_matches(n, at, node_id, channel, kind)), None)
    if winner is None:
        return 0
    return win_race(plan, run_id=run_id, at=at, winner=winner, now=now)


def _reaction_matches(listener: Node, at: str, message_node: str, channel: str, kind: str) -> bool:
    config = listener.config
    return (
        listener.type == "reaction"
        and (config.get("action") or at) == message_node
        and config.get("channel") == channel
        and config.get("reaction", "opened") == kind
    )


# --- winning ------------------------------------------------------------------------------------
def win_race(
    plan: Plan, *, run_id: int, at: str, winner: Node, now: dt.datetime,
    event: tuple[str, dict[str, Any]] | None = None,
) -> int:
    """Move one run listening at `at` through `winner`: a conditional update from exactly that
    state claims it (0 if it had already left: another copy of the event, a reaction or the
    timeout won), then the walk takes it on, all in one transaction."""
    from journeys.models import Run, Timer

    with transaction.atomic():
        locked = sql.fetch(
            f"UPDATE {sql.table(Run)} SET state = '', revision = revision + 1, updated_at = %s "
            "WHERE id = %s AND status = 'active' AND state = 'listening' AND node = %s "
            "RETURNING id, profile_id, context",
            [now, run_id, at],
        )
        if not locked:
            return 0
        _, profile_id, context = locked[0]
        context = _as_dict(context)
        if event is not None:
            context.setdefault("event", {})[event[0]] = event[1]
            Run.objects.filter(id=run_id).update(context=context)
        sql.execute(
            f"UPDATE {sql.table(Timer)} SET status = 'cancelled' WHERE id IN (SELECT id FROM {sql.table(Timer)} "
            f"WHERE run_id = %s AND node = %s AND status = 'pending' {sql.skip_locked()})",
            [run_id, at],
        )
        rows = [RunRow(run_id, profile_id)]
        walk = Walk(plan, now=now, contexts={run_id: context})
        walk.close_step(at, rows, winner.id)
        walk.step(winner, rows, outcome="default")
        walk.leave(winner, "default", rows)
        walk.flush()
    return 1


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        import json

        return json.loads(value or "{}")
    return dict(value or {})
