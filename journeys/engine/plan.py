"""A journey version as the engine reads it: nodes, edges by port, races, and the journey's
properties (re-entrance, time zone, end date), with every duration going through `duration()`
so test mode's `wait_seconds` applies everywhere at once.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from journeys.durations import parse_duration, parse_instant
from journeys.guardrails import DEFAULT_REENTRANCE_WAIT, JOURNEY_TIMEOUT

LISTENING_TYPES = frozenset({"event", "reaction"})
ENTRY_TYPES = frozenset(
    {"read_audience", "unitary_event", "audience_qualification", "business_event"}
)
__all__ = ["JOURNEY_TIMEOUT", "Node", "Plan", "plan_for", "plan_from_definition"]


@dataclass(frozen=True)
class Node:
    id: str
    type: str
    config: dict[str, Any]


@dataclass
class Plan:
    """Everything the engine needs from one version, read once per batch."""

    version_id: int
    journey_id: int
    status: str
    nodes: dict[str, Node]
    edges: dict[tuple[str, str], list[str]]  # (node, port) -> targets, in definition order
    properties: dict[str, Any] = field(default_factory=dict)
    test_wait_seconds: float | None = None

    # --- the graph ---------------------------------------------------------------------------
    @property
    def entry(self) -> Node:
        for node in self.nodes.values():
            if node.type in ENTRY_TYPES:
                return node
        raise ValueError(f"version {self.version_id} has no entry activity")

    def next_node(self, node_id: str, port: str = "default") -> Node | None:
        """Where a run leaving `node_id` by `port` goes; None ends the path. A node with
        several edges on one port (only events and reactions may) goes to the first."""
        targets = self.edges.get((node_id, port), [])
        return self.nodes[targets[0]] if targets else None

    def listeners(self, node_id: str) -> list[Node]:
        """The event/reaction nodes that race after `node_id` (empty when it is not a race)."""
        targets = [self.nodes[t] for t in self.edges.get((node_id, "default"), [])]
        return [node for node in targets if node.type in LISTENING_TYPES]

    def race(self, node_id: str, state: str = "listening") -> list[Node]:
        """What a run parked at `node_id` listens for: the race after it (`listening`), or the
        event/reaction node itself when it got there by another port than `default`
        (`awaiting`: a condition path, a timeout or error path into an event)."""
        if state == "awaiting":
            node = self.nodes.get(node_id)
            return [node] if node is not None and node.type in LISTENING_TYPES else []
        return self.listeners(node_id)

    def race_timeout(
        self, node_id: str, state: str = "listening"
    ) -> tuple[Node, dt.timedelta] | None:
        """The one timeout of the race at `node_id`: (the listener carrying it, duration)."""
        for listener in self.race(node_id, state):
            delta = parse_duration(listener.config.get("timeout"))
            if delta:
                return listener, self.duration(delta)
        return None

    # --- time --------------------------------------------------------------------------------
    def duration(self, delta: dt.timedelta) -> dt.timedelta:
        """Every wait and timeout goes through here: test mode makes each last `wait_seconds`."""
        if self.test_wait_seconds is not None:
            return dt.timedelta(seconds=self.test_wait_seconds)
        return delta

    @property
    def timezone(self) -> dt.tzinfo:
        try:
            return zoneinfo.ZoneInfo(self.properties.get("timezone") or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return dt.UTC

    def wait_until(self, config: dict[str, Any], now: dt.datetime) -> dt.datetime:
        """When a wait node with this config ends for a run arriving `now`."""
        if self.test_wait_seconds is not None:
            return now + dt.timedelta(seconds=self.test_wait_seconds)
        if delta := parse_duration(config.get("duration")):
            return now + delta
        until = config.get("until")
        instant = parse_instant(until)
        if instant is None and isinstance(until, str):  # no offset: the journey's time zone
            try:
                instant = dt.datetime.fromisoformat(until).replace(tzinfo=self.timezone)
            except ValueError:
                instant = None
        if instant is None:
            raise ValueError(f"wait has neither a valid duration nor an instant: {config!r}")
        return max(instant, now)

    @property
    def end_date(self) -> dt.datetime | None:
        return _instant_in(self.properties.get("end"), self.timezone)

    @property
    def start_date(self) -> dt.datetime | None:
        return _instant_in(self.properties.get("start"), self.timezone)

    # --- entries -----------------------------------------------------------------------------
    @property
    def reentrance_allowed(self) -> bool:
        return bool((self.properties.get("reentrance") or {}).get("allowed", False))

    @property
    def reentrance_wait(self) -> dt.timedelta:
        wait = (self.properties.get("reentrance") or {}).get("wait")
        if isinstance(wait, dt.timedelta):
            return wait
        return parse_duration(wait) or DEFAULT_REENTRANCE_WAIT

    @property
    def is_test(self) -> bool:
        return self.status == "test"

    @property
    def accepts_entries(self) -> bool:
        return self.status in ("live", "test")


def _instant_in(value: Any, tz: dt.tzinfo) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if not isinstance(value, str) or not value:
        return None
    instant = parse_instant(value)
    if instant is None:
        try:
            instant = dt.datetime.fromisoformat(value).replace(tzinfo=tz)
        except ValueError:
            return None
    return instant


def plan_from_definition(
    definition: dict[str, Any],
    *,
    version_id: int,
    journey_id: int,
    status: str,
    properties: dict[str, Any] | None = None,
    test_wait_seconds: float | None = None,
) -> Plan:
    nodes = {
        str(item["id"]): Node(str(item["id"]), str(item["type"]), dict(item.get("config") or {}))
        for item in definition.get("nodes", [])
    }
    edges: dict[tuple[str, str], list[str]] = {}
    for edge in definition.get("edges", []):
        key = (str(edge["from"]), str(edge.get("port") or "default"))
        if str(edge["to"]) in nodes:
            edges.setdefault(key, []).append(str(edge["to"]))
    return Plan(
        version_id=version_id,
        journey_id=journey_id,
        status=status,
        nodes=nodes,
        edges=edges,
        properties=dict(
            properties if properties is not None else definition.get("properties") or {}
        ),
        test_wait_seconds=test_wait_seconds,
    )


def plan_for(version: Any) -> Plan:
    """The plan of a JourneyVersion instance (see journeys/models/definition.py)."""
    from journeys.engine.adapters import version_properties, version_test_wait_seconds

    return plan_from_definition(
        version.definition or {},
        version_id=version.pk,
        journey_id=version.journey_id,
        status=version.status,
        properties=version_properties(version),
        test_wait_seconds=version_test_wait_seconds(version),
    )
