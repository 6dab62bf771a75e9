"""Events and reactions moving runs that listen for them (races), and unitary/business entries.

A run that reaches a node followed by event/reaction activities parks there, `listening`. The
first matching happening wins: the run is claimed by a conditional UPDATE *from the state it
was in* (same node, still listening, still active) — whoever changes the row moves it; a second
copy of the event or a racing timeout finds it gone and does nothing. The race's timeout timer
is cancelled with SKIP LOCKED (a sweeper holding it finds the run moved and lets go). A batch
of events or reactions is handled set-based: one claim per (version, node, winner) group.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from journeys import sql
from journeys.engine import adapters, entries
from journeys.engine.plan import Node, Plan
from journeys.engine.walker import RunRow, Walk

logger = logging.getLogger(__name__)
LISTENING_STATES = ("listening", "awaiting")


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
    plans = [
        plan
        for plan in adapters.entry_versions()
        if plan.entry.type in ("unitary_event", "business_event")
    ]
    touched = move_listening_runs(events, now=now)
    for event in events:
        if event.type == "business":
            _business_event(event, plans)
            continue
        if event.profile_id is None:
            continue
        for plan in plans:
            if plan.entry.type == "unitary_event" and plan.entry.config.get("event") == event.name:
                context = {
                    "entry": {"event": event.name, "event_id": event.event_id},
                    "event": {event.name: event.payload},
                }
                touched += entries.enter_profiles(
                    plan=plan, profile_ids=[event.profile_id], context=context, now=now
                )
    return touched


def _business_event(event: IncomingEvent, plans: list[Plan]) -> None:
    """A business event makes each business-event journey on it read its audience, once per event."""
    for plan in plans:
        entry = plan.entry
        if entry.type != "business_event" or entry.config.get("event") != event.name:
            continue
        reader = plan.next_node(entry.id)
        audience = entry.config.get("audience") or (
            reader.config.get("audience") if reader else None
        )
        if audience is None:
            logger.warning("business-event journey version %s has no audience", plan.version_id)
            continue
        rate = (
            reader.config.get("rate")
            if reader is not None and reader.type == "read_audience"
            else None
        )
        entries.audience_read_create(
            plan=plan,
            audience_id=int(audience),
            key=f"event:{event.event_id}",
            rate=rate,
            context={
                "entry": {"event": event.name, "event_id": event.event_id},
                "event": {event.name: event.payload},
            },
        )


def move_listening_runs(events: Iterable[IncomingEvent], *, now: dt.datetime) -> int:
    """Runs of the events' profiles listening for an `event` activity on one of these events
    win it — the first matching event of their profile, in arrival order — set-based: one
    conditional UPDATE per (version, node, winner) group, whatever the number of events."""
    from journeys.models import Run

    by_profile: dict[int, list[IncomingEvent]] = defaultdict(list)
    for event in events:
        if event.profile_id is not None and event.type != "business":
            by_profile[event.profile_id].append(event)
    if not by_profile:
        return 0
    candidates = Run.objects.filter(
        profile_id__in=list(by_profile), status="active", state__in=LISTENING_STATES
    ).values_list("id", "profile_id", "version_id", "node", "state")
    groups: dict[tuple[int, str, str, str], list[tuple[int, IncomingEvent]]] = defaultdict(list)
    for run_id, profile_id, version_id, node_id, state in candidates:
        plan = adapters.plan_by_version_id(version_id)
        waiting = {
            n.config.get("event"): n
            for n in reversed(plan.race(node_id, state))
            if n.type == "event"
        }
        event = next((e for e in by_profile[profile_id] if e.name in waiting), None)
        if event is not None:
            groups[(version_id, node_id, state, waiting[event.name].id)].append((run_id, event))
    moved = 0
    for (version_id, node_id, state, winner_id), won in groups.items():
        plan = adapters.plan_by_version_id(version_id)
        moved += win_races(
            plan, at=node_id, state=state, winner=plan.nodes[winner_id], won=won, now=now
        )
    return moved


# --- reactions --------------------------------------------------------------------------------
def reaction_received(
    *, run_id: int, node_id: str, channel: str, kind: str, now: dt.datetime | None = None
) -> int:
    """The first open/click of a message this run was sent at `node_id`, on `channel`."""
    return reactions_received([(run_id, node_id, channel, kind)], now=now)


def reactions_received(
    reactions: Iterable[tuple[int, str, str, str]], *, now: dt.datetime | None = None
) -> int:
    """First opens/clicks `(run_id, message node, channel, kind)`: each run listening for the
    matching reaction (that message, that channel, that kind) wins it, set-based."""
    from journeys.models import Run

    reactions = list(reactions)
    now = now or timezone.now()
    runs = {
        run_id: (version_id, at, state)
        for run_id, version_id, at, state in Run.objects.filter(
            id__in=[r[0] for r in reactions], status="active", state__in=LISTENING_STATES
        ).values_list("id", "version_id", "node", "state")
    }
    groups: dict[tuple[int, str, str, str], list[tuple[int, None]]] = defaultdict(list)
    for run_id, message_node, channel, kind in reactions:
        if run_id not in runs:
            continue
        version_id, at, state = runs[run_id]
        plan = adapters.plan_by_version_id(version_id)
        winner = next(
            (
                n
                for n in plan.race(at, state)
                if _reaction_matches(n, at, message_node, channel, kind)
            ),
            None,
        )
        if winner is not None:
            groups[(version_id, at, state, winner.id)].append((run_id, None))
            del runs[run_id]  # a second reaction of this batch comes after the run left
    moved = 0
    for (version_id, at, state, winner_id), won in groups.items():
        plan = adapters.plan_by_version_id(version_id)
        moved += win_races(plan, at=at, state=state, winner=plan.nodes[winner_id], won=won, now=now)
    return moved


def _reaction_matches(listener: Node, at: str, message_node: str, channel: str, kind: str) -> bool:
    config = listener.config
    return (
        listener.type == "reaction"
        and (config.get("action") or at) == message_node
        and config.get("channel") == channel
        and config.get("reaction", "opened") == kind
    )


# --- winning ------------------------------------------------------------------------------------
def win_races(
    plan: Plan,
    *,
    at: str,
    winner: Node,
    won: list[tuple[int, IncomingEvent | None]],
    now: dt.datetime,
    state: str = "listening",
) -> int:
    """Move runs listening at `at` through `winner`, in one transaction: a conditional UPDATE
    from exactly that state claims them (and stores the winning event in their context) — runs
    that already left (another copy of the event, a reaction or the timeout won) are not
    claimed; their race's timeout timers are cancelled; the walk takes them on."""
    from journeys.models import Run, Timer

    run_t, timer_t = sql.table(Run), sql.table(Timer)
    payloads = [(run_id, sql.json_param(event.payload) if event else "") for run_id, event in won]
    name = next((event.name for _, event in won if event is not None), None)
    if name is None:
        context_sql, context_params = "context", []
    elif sql.is_sqlite():
        context_sql = (
            "json_set(context, '$.event', json_patch(COALESCE(json_extract(context, '$.event'), '{}'), "
            "json_object(%s, json(t.val))))"
        )
        context_params = [name]
    else:
        context_sql = (
            "jsonb_set(context, '{event}', COALESCE(context->'event', '{}'::jsonb) || "
            "jsonb_build_object(%s::text, t.val::jsonb))"
        )
        context_params = [name]
    with transaction.atomic():
        claimed = sql.fetch(
            # updated_at is left alone: it says since when the run was at `at` (its step's
            # entry); the walk's flush sets it when the run parks or ends
            f"UPDATE {run_t} SET state = '', revision = revision + 1, context = {context_sql} "
            f"FROM {sql.pairs_table('t')} WHERE {run_t}.id = t.id AND {run_t}.status = 'active' "
            f"AND {run_t}.state = %s AND {run_t}.node = %s "
            f"RETURNING {run_t}.id, {run_t}.profile_id, {run_t}.context, {run_t}.updated_at",
            [*context_params, *sql.pairs_params(payloads), state, at],
        )
        if not claimed:
            return 0
        ids = [row[0] for row in claimed]
        sql.execute(
            f"UPDATE {timer_t} SET status = 'cancelled' WHERE id IN (SELECT id FROM {timer_t} "
            f"WHERE {sql.in_ids('run_id')} AND node = %s AND kind <> 'wait' AND status = 'pending' {sql.skip_locked()})",
            [sql.ids_param(ids), at],
        )
        rows = [RunRow(run_id, profile_id) for run_id, profile_id, _, _ in claimed]
        walk = Walk(
            plan,
            now=now,
            contexts={run_id: _as_dict(context) for run_id, _, context, _ in claimed},
            since={run_id: sql.read_datetime(arrived) for run_id, _, _, arrived in claimed},
        )
        if state == "awaiting":  # the run waited at the winner itself: its step closes
            walk.close_step(at, rows, "default", state=state)
        else:
            walk.close_step(at, rows, winner.id, state=state)
            walk.step(winner, rows, outcome="default")
        walk.leave(winner, "default", rows)
        walk.flush()
    return len(claimed)


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return json.loads(value or "{}")
    return dict(value or {})
