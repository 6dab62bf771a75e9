"""Moving a set of runs through a version's graph, set-based, inside the caller's transaction.

The caller owns the runs it hands over: it inserted them (entries) or locked them from the
state it expected (a timer, an event, a reaction). `Walk` then takes them node by node:

1. `arrive(node, runs)`: the node's runner (journeys/engine/runners.py, one per activity type)
   runs for the whole group at once and sorts the runs by the port they leave through (or
   parks them: a wait; or ends them). A runner that raises takes the node's `error` port when
   it has one, otherwise those runs end in error with the reason (inside a savepoint, so its
   half-done work is rolled back and nothing escapes to the worker's loop).
2. `leave(node, port, runs)`: the next node, or — when the runs must now listen for the
   events/reactions that follow (a race) — they park there, with the race's one timeout timer.
3. `flush()`: writes what the walk decided, set-based: step history rows, timers (unique per
   run, node and kind), then one UPDATE per final group of runs (node, status, state).

A run parked at a node (waiting, listening, awaiting) has no open step row: the run is its
record (`node`, since `updated_at`; `history` shows it as the open step). Its step is written
once, closed, when it leaves (`close_step`): a move costs an insert instead of an insert when
it parks plus an update when it leaves. (A run listening at an event or reaction it won has
that step written already: `has_open_step`.)

Side effects (messages, custom actions) are written by the runners in the same transaction,
each with a unique key, so replaying a batch after a crash never doubles them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from journeys import sql
from journeys.engine.plan import ENTRY_TYPES, LISTENING_TYPES, Node, Plan

logger = logging.getLogger(__name__)

WAIT = "@wait"  # runner result: the runs park here until their wait timer
END = "@end"  # runner result: the path ends here (end activity)
MAX_DEPTH = 200  # a definition has at most 50 nodes and no cycles; this guards a broken one


PARKED_STATES = ("waiting", "listening", "awaiting")


def has_open_step(state: str, node_type: str) -> bool:
    """Whether a run parked in `state` at a node of `node_type` has a step still to write: yes,
    unless it listens at an event or reaction — a race it won, whose step is written."""
    return state in PARKED_STATES and not (state == "listening" and node_type in LISTENING_TYPES)


@dataclass(frozen=True)
class RunRow:
    id: int
    profile_id: int


@dataclass
class Outcome:
    port: str  # a port name, WAIT or END
    runs: list[RunRow]
    due_at: dt.datetime | None = None  # WAIT: when the wait ends


class Walk:
    """One set-based move of runs of one plan. Call `arrive`/`leave`, then `flush` once."""

    def __init__(
        self,
        plan: Plan,
        *,
        now: dt.datetime,
        contexts: dict[int, dict] | None = None,
        shared_context: dict | None = None,
        new_runs: dict[int, int] | None = None,
        since: dict[int, dt.datetime] | None = None,
    ):
        """`new_runs` (run id → profile id): runs entering now, not yet in the table; `flush`
        inserts them directly in their final state (one write per run instead of two).
        `since` (run id → its `updated_at`): when claimed runs arrived at the node they are
        parked at, for the step `close_step` writes."""
        self.plan = plan
        self._new_runs = new_runs or {}
        self.now = now
        self._contexts = contexts if contexts is not None else {}
        self._shared_context = shared_context
        self._steps: dict[tuple, list[int]] = defaultdict(list)  # (node, type, outcome, error)
        self._since = since or {}
        self._close_steps: dict[tuple[str, str], list[int]] = defaultdict(list)  # (node, outcome)
        self._timers: dict[tuple[str, str, dt.datetime], list[int]] = defaultdict(list)
        self._finals: dict[tuple[str, str, str, str], list[int]] = defaultdict(list)
        self._depth = 0
        self.moved = 0

    # --- context -----------------------------------------------------------------------------
    def context(self, run_id: int) -> dict[str, Any]:
        if self._shared_context is not None:
            return self._shared_context
        if run_id not in self._contexts:
            self._load_contexts([run_id])
        return self._contexts.get(run_id, {})

    def contexts(self, runs: list[RunRow]) -> dict[int, dict]:
        if self._shared_context is not None:
            return {run.id: self._shared_context for run in runs}
        missing = [run.id for run in runs if run.id not in self._contexts]
        if missing:
            self._load_contexts(missing)
        return {run.id: self._contexts.get(run.id, {}) for run in runs}

    def _load_contexts(self, ids: list[int]) -> None:
        from journeys.models import Run

        rows = sql.fetch(
            f"SELECT id, context FROM {sql.table(Run)} WHERE {sql.in_ids('id')}",
            [sql.ids_param(ids)],
        )
        for run_id, context in rows:
            self._contexts[run_id] = (
                json.loads(context) if isinstance(context, str) else (context or {})
            )

    def all_new(self, runs: list[RunRow] | list[int]) -> bool:
        """Whether every run given enters in this walk (nothing keyed by it can exist yet)."""
        return bool(self._new_runs) and all(
            (run if isinstance(run, int) else run.id) in self._new_runs for run in runs
        )

    def has_shared_context(self) -> bool:
        return self._shared_context is not None

    # --- moving ------------------------------------------------------------------------------
    def arrive(self, node: Node, runs: list[RunRow]) -> None:
        """`runs` arrive at `node`: run it for all of them, then move each group on."""
        if not runs:
            return
        self._depth += 1
        if self._depth > MAX_DEPTH:
            self.fail(node, runs, "the journey loops (more than 200 moves in one step)")
            return
        from journeys.engine.runners import runner_for

        runner = runner_for(node.type)
        try:
            with transaction.atomic():  # a savepoint: a failing runner leaves nothing behind
                outcomes = runner(self, node, runs)
        except Exception as exc:  # noqa: BLE001 - an activity's failure is the run's, not the worker's
            logger.warning(
                "activity %s (%s) failed for %d run(s): %s", node.id, node.type, len(runs), exc
            )
            self.fail(node, runs, f"{type(exc).__name__}: {exc}")
            return
        for outcome in outcomes:
            if not outcome.runs:
                continue
            if outcome.port == WAIT:
                self.timer(node.id, "wait", outcome.due_at or self.now, outcome.runs)
                self.park(node.id, outcome.runs, "waiting")
            elif outcome.port == END:
                self.step(node, outcome.runs, outcome="finished")
                self.finish(node.id, outcome.runs, "finished")
            else:
                self.leave(node, outcome.port, outcome.runs, record_step=True)

    def leave(
        self, node: Node, port: str, runs: list[RunRow], *, record_step: bool = False
    ) -> None:
        """`runs` leave `node` by `port`: park in the race that follows, or go on."""
        if port == "default" and self.plan.listeners(node.id):
            timeout = self.plan.race_timeout(node.id)
            if timeout is not None:
                self.timer(node.id, "timeout", self.now + timeout[1], runs)
            self.park(node.id, runs, "listening")
            return
        if record_step and node.type not in ENTRY_TYPES:  # an entry's step is the run itself
            self.step(node, runs, outcome=port)
        self.go(node.id, self.plan.next_node(node.id, port), runs)

    def go(self, from_id: str, target: Node | None, runs: list[RunRow]) -> None:
        """Into `target`: run it; or, for an event/reaction reached this way, wait at it
        (`awaiting`, with its own timeout); or, when there is none, the path ends."""
        if target is None:
            self.finish(from_id, runs, "finished")
        elif target.type in LISTENING_TYPES:
            timeout = self.plan.race_timeout(target.id, "awaiting")
            if timeout is not None:
                self.timer(target.id, "timeout_at", self.now + timeout[1], runs)
            self.park(target.id, runs, "awaiting")
        else:
            self.arrive(target, runs)

    def fail(self, node: Node, runs: list[RunRow], error: str) -> None:
        """An activity failed: its `error` path when it has one, else the runs end in error."""
        error = error[:2000]
        if self.plan.next_node(node.id, "error") is not None:
            self.step(node, runs, outcome="error", error=error)
            self.go(node.id, self.plan.next_node(node.id, "error"), runs)
        else:
            self.step(node, runs, outcome="error", error=error)
            self.finish(node.id, runs, "error", error=error)

    # --- recording ---------------------------------------------------------------------------
    def step(
        self,
        node: Node,
        runs: list[RunRow],
        *,
        outcome: str = "",
        error: str = "",
    ) -> None:
        self._steps[(node.id, node.type, outcome, error)].extend(run.id for run in runs)

    def close_step(self, node_id: str, runs: list[RunRow], outcome: str, *, state: str) -> None:
        """The step of `node_id`, where the runs were parked in `state` (since `since`), left
        now by `outcome`. An event or reaction the runs listen at is a race they won: its
        step was written then (`has_open_step`)."""
        node = self.plan.nodes.get(node_id)
        if has_open_step(state, node.type if node else ""):
            self._close_steps[(node_id, outcome)].extend(run.id for run in runs)

    def timer(self, node_id: str, kind: str, due_at: dt.datetime, runs: list[RunRow]) -> None:
        self._timers[(node_id, kind, due_at)].extend(run.id for run in runs)

    def park(self, node_id: str, runs: list[RunRow], state: str) -> None:
        self._finals[(node_id, "active", state, "")].extend(run.id for run in runs)
        self.moved += len(runs)

    def finish(self, node_id: str, runs: list[RunRow], status: str, *, error: str = "") -> None:
        self._finals[(node_id, status, "", error)].extend(run.id for run in runs)
        self.moved += len(runs)

    # --- writing -----------------------------------------------------------------------------
    def flush(self) -> None:
        """Write the steps, timers and final run states decided by this walk (set-based)."""
        from journeys.models import Run, Step, Timer

        step_t, timer_t, run_t = sql.table(Step), sql.table(Timer), sql.table(Run)
        for (node_id, outcome), ids in self._close_steps.items():
            parked = self.plan.nodes.get(node_id)
            sql.execute(
                f"INSERT INTO {step_t} (run_id, version_id, node, node_type, entered_at, left_at, outcome, error) "
                f"SELECT t.id, %s, %s, %s, t.at, %s, %s, '' FROM {sql.times_table('t')}",
                [
                    self.plan.version_id,
                    node_id,
                    parked.type if parked else "",
                    self.now,
                    outcome,
                    *sql.times_params(
                        [(run_id, self._since.get(run_id, self.now)) for run_id in ids]
                    ),
                ],
            )
        for (node_id, node_type, outcome, error), ids in self._steps.items():
            sql.execute(
                f"INSERT INTO {step_t} (run_id, version_id, node, node_type, entered_at, left_at, outcome, error) "
                f"SELECT ids.id, %s, %s, %s, %s, %s, %s, %s FROM {sql.ids_table()}",
                [
                    self.plan.version_id,
                    node_id,
                    node_type,
                    self.now,
                    self.now,
                    outcome,
                    error,
                    sql.ids_param(ids),
                ],
            )
        for (node_id, kind, due_at), ids in self._timers.items():
            # runs entering now cannot have a timer yet: no conflict arbitration to pay for
            on_conflict = "" if self.all_new(ids) else "ON CONFLICT (run_id, node, kind) DO NOTHING"
            sql.execute(
                f"INSERT INTO {timer_t} (run_id, node, kind, due_at, status) "
                f"SELECT ids.id, %s, %s, %s, 'pending' FROM {sql.ids_table()} WHERE 1 = 1 "
                f"{on_conflict}",
                [node_id, kind, due_at, sql.ids_param(ids)],
            )
        for (node_id, status, state, error), ids in self._finals.items():
            ended = None if status == "active" else self.now
            fresh = [run_id for run_id in ids if run_id in self._new_runs]
            if fresh:
                self._insert_runs(fresh, node_id, status, state, error, ended)
            known = [run_id for run_id in ids if run_id not in self._new_runs] if fresh else ids
            if known:
                sql.execute(
                    f"UPDATE {run_t} SET node = %s, status = %s, state = %s, error = %s, ended_at = %s, "
                    f"updated_at = %s, revision = revision + 1 WHERE {sql.in_ids('id')} AND status = 'active'",
                    [node_id, status, state, error, ended, self.now, sql.ids_param(known)],
                )

    def _insert_runs(
        self,
        ids: list[int],
        node_id: str,
        status: str,
        state: str,
        error: str,
        ended: dt.datetime | None,
    ) -> None:
        """Entering runs, written once in their final state. The one-active-run index refuses a
        profile that entered concurrently (IntegrityError: the caller retries the batch)."""
        from journeys.models import Run

        json_value = "%s" if sql.is_sqlite() else "%s::jsonb"
        sql.execute(
            f"INSERT INTO {sql.table(Run)} (id, profile_id, journey_id, version_id, status, node, state, context, "
            "is_test, revision, entered_at, updated_at, ended_at, error, exit_reason) "
            f"SELECT r.id, r.val, %s, %s, %s, %s, %s, {json_value}, %s, 1, %s, %s, %s, %s, '' "
            f"FROM {sql.pairs_table('r', numeric=True)}",
            [
                self.plan.journey_id,
                self.plan.version_id,
                status,
                node_id,
                state,
                sql.json_param(self._shared_context or {}),
                self.plan.is_test,
                self.now,
                self.now,
                ended,
                error,
                *sql.pairs_params(
                    [(run_id, self._new_runs[run_id]) for run_id in ids], numeric=True
                ),
            ],
        )
