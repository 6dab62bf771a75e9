"""The timer sweep (waits and race timeouts), journey timeouts and end dates.

`timers_sweep(now=...)` is the background unit of work (the beat tick calls it every second;
tests call it directly with a moved clock). Each batch, in one transaction:

1. claims up to `batch` pending due timers: `SELECT … FOR UPDATE SKIP LOCKED` on the partial
   index `timer_pending_due`, so several workers share the work without overlap, and deletes
   them (a fired timer is gone; the run's steps keep the history);
2. claims their runs from the state the timer expects (still at that node, still `waiting` /
   `listening` / `awaiting`, still active), locking them (`SELECT … FOR UPDATE`) — a run an
   event moved first is not returned and its timer simply ends; the walk's single conditional
   UPDATE then moves them (`revision + 1`);
3. walks each group of runs (same version, node, kind) on, set-based: a wait leaves by its
   `default` port, a timeout by the race's `timeout` port (or the run ends if it has none).

A crash anywhere rolls the batch back: its timers are pending again for the next sweep.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from collections import defaultdict

from django.db import OperationalError, transaction
from django.utils import timezone

from journeys import sql
from journeys.engine import adapters
from journeys.engine.plan import JOURNEY_TIMEOUT, Plan
from journeys.engine.walker import RunRow, Walk

logger = logging.getLogger(__name__)

# Timers claimed per transaction (the kill -9 test makes it small to land inside a sweep).
BATCH = int(os.environ.get("SENTIER_TIMER_BATCH", "5000"))
# The state a run must still be in for its timer to move it.
STATE_OF_KIND = {"wait": "waiting", "timeout": "listening", "timeout_at": "awaiting"}


def timers_sweep(
    *, now: dt.datetime | None = None, batch: int = BATCH, budget_seconds: float = 0.9
) -> int:
    """Advance the runs of every due timer, batch after batch, until none is due or the budget
    is spent. Returns the number of timers handled."""
    handled = 0
    started = time.monotonic()
    while time.monotonic() - started < budget_seconds:
        try:
            count = timers_batch(now=now or timezone.now(), batch=batch)
        except OperationalError as exc:  # a deadlock victim: the batch rolled back, try again
            logger.warning("timer batch rolled back: %s", exc)
            continue
        handled += count
        if count < batch:
            break
    return handled


def timers_batch(*, now: dt.datetime, batch: int = BATCH) -> int:
    from journeys.models import Run, Timer

    timer_t, run_t = sql.table(Timer), sql.table(Run)
    with transaction.atomic():
        due = sql.fetch(
            f"SELECT id, run_id, node, kind FROM {timer_t} WHERE status = 'pending' AND due_at <= %s "
            f"ORDER BY due_at LIMIT %s {sql.skip_locked()}",
            [now, batch],
        )
        if not due:
            return 0
        # A fired timer is deleted: marking it done rewrote the row and both its indexes;
        # the run's steps are the history. A rolled-back batch brings its timers back.
        sql.execute(
            f"DELETE FROM {timer_t} WHERE {sql.in_ids('id')}",
            [sql.ids_param([d[0] for d in due])],
        )
        groups: dict[tuple[int, str, str], list[RunRow]] = defaultdict(list)
        contexts: dict[int, dict] = {}
        since: dict[int, dt.datetime] = {}
        for (kind, node), run_ids in _by_kind_and_node(due).items():
            # the runs still in the state this timer expects, locked (whoever holds them moves them)
            claimed = sql.fetch(
                f"SELECT id, profile_id, version_id, context, updated_at FROM {run_t} WHERE {sql.in_ids('id')} AND node = %s "
                f"AND state = %s AND status = 'active' ORDER BY id {sql.for_update()}",
                [sql.ids_param(run_ids), node, STATE_OF_KIND[kind]],
            )
            for run_id, profile_id, version_id, context, updated_at in claimed:
                groups[(version_id, node, kind)].append(RunRow(run_id, profile_id))
                contexts[run_id] = _as_dict(context)
                since[run_id] = sql.read_datetime(updated_at)
        plans: dict[int, Plan] = {}
        for (version_id, node_id, kind), runs in groups.items():
            plan = plans.get(version_id) or plans.setdefault(
                version_id, adapters.plan_by_version_id(version_id)
            )
            walk = Walk(plan, now=now, contexts=contexts, since=since)
            _expire(walk, node_id, kind, runs)
            walk.flush()
    return len(due)


def _by_kind_and_node(due: list[tuple]) -> dict[tuple[str, str], list[int]]:
    grouped: dict[tuple[str, str], list[int]] = defaultdict(list)
    for _, run_id, node, kind in due:
        if kind in STATE_OF_KIND:
            grouped[(kind, node)].append(run_id)
    return grouped


def _as_dict(value) -> dict:
    if isinstance(value, str):
        return json.loads(value or "{}")
    return dict(value or {})


def _expire(walk: Walk, node_id: str, kind: str, runs: list[RunRow]) -> None:
    plan = walk.plan
    node = plan.nodes.get(node_id)
    if node is None:  # the definition lost the node: nothing sensible to do but end the run
        walk.finish(node_id, runs, "error", error=f"node {node_id!r} is not in the journey")
        return
    if kind == "wait":
        walk.close_step(node_id, runs, "default", state="waiting")
        walk.leave(node, "default", runs)
        return
    state = STATE_OF_KIND[kind]
    timeout = plan.race_timeout(node_id, state)
    walk.close_step(node_id, runs, "timeout", state=state)
    if state == "awaiting" and timeout is not None:  # waited at the event/reaction itself
        walk.leave(timeout[0], "timeout", runs)
        return
    if timeout is None:
        walk.finish(node_id, runs, "finished")
        return
    listener = timeout[0]
    walk.step(listener, runs, outcome="timeout")
    walk.leave(listener, "timeout", runs)


# --- journey timeout, end dates ---------------------------------------------------------------
def expire_runs_sweep(*, now: dt.datetime | None = None, batch: int = BATCH) -> int:
    """Runs still active 91 days after entry time out; runs of journeys past their end date
    exit; closed versions without active runs are finished. Returns runs ended."""
    from journeys.models import JourneyVersion, Run

    now = now or timezone.now()
    ended = 0
    while True:
        ids = list(
            Run.objects.filter(status="active", entered_at__lte=now - JOURNEY_TIMEOUT)
            .order_by("id")
            .values_list("id", flat=True)[:batch]
        )
        if not ids:
            break
        ended += exit_runs(run_ids=ids, reason="journey_timeout", now=now)
    past_end = JourneyVersion.objects.filter(
        status__in=("live", "test", "closed"), journey__end_at__lte=now
    )
    for version_id in past_end.values_list("id", flat=True):  # index journey_end_at
        ended += exit_runs(version_id=version_id, reason="end_date", now=now)
    finished = JourneyVersion.objects.filter(status="closed").exclude(runs__status="active")
    for version in finished:
        JourneyVersion.objects.filter(pk=version.pk, status="closed").update(status="finished")
    return ended


def exit_runs(
    *,
    run_ids: list[int] | None = None,
    version_id: int | None = None,
    reason: str,
    now: dt.datetime | None = None,
) -> int:
    """Every active run given (by ids, or of a version) exits now, set-based: its pending
    timers are cancelled, the step of the node it is parked at written with `reason`, its
    status `exited`."""
    from journeys.models import JourneyVersion, Run, Step, Timer

    now = now or timezone.now()
    run_t, step_t, timer_t = sql.table(Run), sql.table(Step), sql.table(Timer)
    version_t = sql.table(JourneyVersion)
    if run_ids is not None:
        selected, params = (
            f"SELECT id FROM {run_t} WHERE {sql.in_ids('id')} AND status = 'active'",
            [sql.ids_param(run_ids)],
        )
    else:
        selected, params = (
            f"SELECT id FROM {run_t} WHERE version_id = %s AND status = 'active'",
            [version_id],
        )
    with transaction.atomic():
        # timers first: a sweeper holding some (SKIP LOCKED) then finds the runs gone
        sql.execute(
            f"UPDATE {timer_t} SET status = 'cancelled' WHERE status = 'pending' AND run_id IN ({selected})",
            params,
        )
        # the step of the node each run is parked at, closed with the reason (walker docstring)
        sql.execute(
            f"INSERT INTO {step_t} (run_id, version_id, node, node_type, entered_at, left_at, outcome, error) "
            f"SELECT r.id, r.version_id, r.node, COALESCE({sql.definition_node_type('v.definition', 'r.node')}, ''), "
            f"r.updated_at, %s, %s, '' FROM {run_t} r JOIN {version_t} v ON v.id = r.version_id "
            f"WHERE r.id IN ({selected}) AND r.state IN ('waiting', 'listening', 'awaiting') "
            # listening at an event/reaction: a race it won, its step already written
            f"AND NOT (r.state = 'listening' AND COALESCE({sql.definition_node_type('v.definition', 'r.node')}, '') "
            "IN ('event', 'reaction'))",
            [now, reason, *params],
        )
        return sql.execute(
            f"UPDATE {run_t} SET status = 'exited', state = '', exit_reason = %s, ended_at = %s, updated_at = %s, "
            f"revision = revision + 1 WHERE id IN ({selected})",
            [reason, now, now, *params],
        )
