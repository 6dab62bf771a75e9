"""How each activity type runs: one runner per node type, for a whole group of runs at once.

A runner is `runner(walk, node, runs) -> [Outcome(port, runs), …]`: it does the activity's work
in the caller's transaction (set-based where the work is the same for every run) and says which
port each run leaves by — or WAIT (park until a timer) or END. Raising means the activity
failed for the whole group: the walk takes the `error` path or ends the runs in error.

`install()` puts each runner on its activity as the `run` hook of the catalogue
(journeys/activities/), which is where the canvas and validation meet the engine.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from audiences.rules import PROFILE_FIELDS, FieldSpec, rule_matches
from journeys.engine import adapters
from journeys.engine.plan import Node
from journeys.engine.walker import END, WAIT, Outcome, RunRow, Walk

Runner = Callable[[Walk, Node, list[RunRow]], list[Outcome]]


def run_entry(walk: Walk, node: Node, runs: list[RunRow]) -> list[Outcome]:
    """Entry activities: the profile is in; go on."""
    return [Outcome("default", runs)]


def run_message(walk: Walk, node: Node, runs: list[RunRow]) -> list[Outcome]:
    """One outbox message per configured channel and run, keyed run+node+channel."""
    adapters.enqueue_messages(walk, node, runs)
    return [Outcome("default", runs)]


def run_action(walk: Walk, node: Node, runs: list[RunRow]) -> list[Outcome]:
    """A custom action call per run through the channels layer, keyed run+node."""
    adapters.request_actions(walk, node, runs)
    return [Outcome("default", runs)]


def run_wait(walk: Walk, node: Node, runs: list[RunRow]) -> list[Outcome]:
    """Park until the duration has passed or the instant has come (test mode: wait_seconds)."""
    return [Outcome(WAIT, runs, due_at=walk.plan.wait_until(node.config, walk.now))]


def run_end(walk: Walk, node: Node, runs: list[RunRow]) -> list[Outcome]:
    return [Outcome(END, runs)]


def run_split(walk: Walk, node: Node, runs: list[RunRow]) -> list[Outcome]:
    """By weight, deterministic per profile and node: a replayed batch takes the same paths."""
    weights = [int(w) for w in node.config.get("weights") or []]
    total = sum(weights)
    if total <= 0:
        raise ValueError("the split has no positive weights")
    groups: dict[str, list[RunRow]] = defaultdict(list)
    for run in runs:
        groups[f"path-{split_branch(run.profile_id, node.id, weights)}"].append(run)
    return [Outcome(port, members) for port, members in groups.items()]


def split_branch(profile_id: int, node_id: str, weights: list[int]) -> int:
    """The 1-based branch of a profile at a split node."""
    digest = hashlib.sha256(f"{profile_id}:{node_id}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") % sum(weights)
    for index, weight in enumerate(weights, start=1):
        if point < weight:
            return index
        point -= weight
    return len(weights)


def run_condition(walk: Walk, node: Node, runs: list[RunRow]) -> list[Outcome]:
    """Paths in order, the first whose rule matches wins; else `other` (or the path ends)."""
    paths = node.config.get("paths") or []
    fields = [rule_fields(path.get("rule") or {}) for path in paths]
    profiles = adapters.profile_records([run.profile_id for run in runs])
    contexts = walk.contexts(runs)
    groups: dict[str, list[RunRow]] = defaultdict(list)
    for run in runs:
        record = {
            "profile": profiles.get(run.profile_id, {}),
            "event": contexts[run.id].get("event", {}),
        }
        port = "other"
        for index, path in enumerate(paths, start=1):
            rule = path.get("rule") or {}
            if _is_empty_rule(rule) or rule_matches(rule, record, fields=fields[index - 1]):
                port = f"path-{index}"
                break
        if port == "other" and node.config.get("other", True) is False:
            port = "@none"
        groups[port].append(run)
    outcomes = []
    for port, members in groups.items():
        outcomes.append(Outcome(END if port == "@none" else port, members))
    return outcomes


def _is_empty_rule(rule: dict) -> bool:
    return rule in ({}, {"all": []})


def rule_fields(rule: Any) -> dict[str, FieldSpec]:
    """Field specs for a journey condition rule: `profile.X` typed like the profile palette
    (custom attributes by their value), `event.NAME.X` by the event's declared fields."""
    specs: dict[str, FieldSpec] = {}

    def walk_rule(part: Any) -> None:
        if not isinstance(part, dict):
            return
        for key in ("all", "any"):
            for child in part.get(key) or []:
                walk_rule(child)
        if "not" in part:
            walk_rule(part["not"])
        if "field" in part:
            name = str(part["field"])
            specs[name] = _field_spec(name, part.get("value"))

    walk_rule(rule)
    return specs


def _field_spec(name: str, value: Any) -> FieldSpec:
    if name.startswith("profile.") and name[8:] in PROFILE_FIELDS:
        return FieldSpec(name=name, type=PROFILE_FIELDS[name[8:]].type)
    if name.startswith("event."):
        declared = adapters.event_field_type(name)
        if declared:
            return FieldSpec(name=name, type=declared)
    sample = value[0] if isinstance(value, list) and value else value
    if isinstance(sample, bool):
        return FieldSpec(name=name, type="boolean")
    if isinstance(sample, int):
        return FieldSpec(name=name, type="integer")
    if isinstance(sample, float):
        return FieldSpec(name=name, type="number")
    return FieldSpec(name=name, type="string")


def run_update_profile(walk: Walk, node: Node, runs: list[RunRow]) -> list[Outcome]:
    """Set the configured attributes (templates rendered per run with profile and event data)."""
    adapters.update_profiles(walk, node, runs)
    return [Outcome("default", runs)]


def run_jump(walk: Walk, node: Node, runs: list[RunRow]) -> list[Outcome]:
    """Enter each profile into the target (unitary) journey with this run's context."""
    from journeys.engine import entries

    target = adapters.jump_target(node.config.get("journey"), is_test=walk.plan.is_test)
    contexts = walk.contexts(runs)
    for run in runs:
        entries.enter_profiles(
            plan=target, profile_ids=[run.profile_id], context=contexts[run.id], now=walk.now
        )
    return [Outcome("default", runs)]


def run_listener(walk: Walk, node: Node, runs: list[RunRow]) -> list[Outcome]:
    """Events and reactions are never run: runs listen for them from the node before."""
    raise RuntimeError(f"{node.type} {node.id!r} reached without a node before it to listen from")


RUNNERS: dict[str, Runner] = {
    "read_audience": run_entry,
    "unitary_event": run_entry,
    "audience_qualification": run_entry,
    "business_event": run_entry,
    "message": run_message,
    "action": run_action,
    "wait": run_wait,
    "end": run_end,
    "split": run_split,
    "condition": run_condition,
    "update_profile": run_update_profile,
    "jump": run_jump,
    "event": run_listener,
    "reaction": run_listener,
}


def runner_for(node_type: str) -> Runner:
    try:
        return RUNNERS[node_type]
    except KeyError:
        raise ValueError(f"unknown activity type {node_type!r}") from None


def install() -> None:
    """Make each runner the `run` hook of its activity in the catalogue."""
    try:
        from journeys import activities
    except ImportError:  # the catalogue is not there yet
        return
    for node_type, runner in RUNNERS.items():
        if node_type in activities.REGISTRY:
            type(activities.REGISTRY[node_type]).run = staticmethod(runner)
