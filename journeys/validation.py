"""Validation of a journey definition: errors and warnings with stable codes (journeys/codes.py,
docs/journey-validation.md).

    report = validate_document(doc)             # doc = the contract's JSON (name, nodes, edges…)
    report.as_dict()  # {"valid": bool, "errors": [{"code", "node", "message", "path"}], "warnings": […]}
    report.malformed  # the errors that forbid saving at all (API 400, canvas refuses the edit)

Steps: (1) the document's shape and properties; (2) each node's shape and settings through its
activity module; (3) edges; (4) the graph: one entry first, entry-type rules, reachability,
cycles, races and timeouts, reactions after their message, journey timeout; (5) what the
definition refers to (audiences, events, custom actions, journeys: one query per kind),
condition rules against the journey palette, namespace consistency.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from audiences.rules import validate_rule

from . import activities, codes, guardrails
from .activities import Problem, References, SettingsCheck
from .durations import format_duration, parse_duration, parse_instant
from .references import Resolved, journey_palette, resolve

NODE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
DOCUMENT_KEYS = {"name", "description", "namespace", "properties", "nodes", "edges"}
# Keys a GET answer carries; accepted (and ignored) on import so an export imports as is.
READ_ONLY_KEYS = {"id", "status", "version", "revision", "created_at", "updated_at", "published_at"}
NODE_KEYS = {"id", "type", "config", "label"}
EDGE_KEYS = {"from", "to", "port"}
PROPERTY_KEYS = {"reentrance", "timezone", "start", "end"}


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.is_warning]

    @property
    def malformed(self) -> list[Problem]:
        return [p for p in self.problems if p.blocks_save]

    @property
    def valid(self) -> bool:
        return not self.errors

    def for_node(self, node_id: str) -> list[Problem]:
        return [p for p in self.problems if p.node == node_id]

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "errors": [p.as_dict() for p in self.errors],
            "warnings": [p.as_dict() for p in self.warnings],
        }


@dataclass
class _Graph:
    """The well-formed part of a definition: nodes by id, edges by source."""

    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> node
    index: dict[str, int] = field(default_factory=dict)  # id -> position in `nodes`
    edges: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    successors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    predecessors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_port: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))

    def activity(self, node_id: str) -> activities.Activity:
        return activities.get(self.nodes[node_id]["type"])

    def config(self, node_id: str) -> dict[str, Any]:
        return self.nodes[node_id].get("config") or {}

    def path(self, node_id: str, key: str = "") -> str:
        base = f"nodes[{self.index[node_id]}]"
        return f"{base}.config.{key}" if key else base


def validate_document(
    doc: Any,
    *,
    previous_entry_type: str | None = None,
    journey_id: int | None = None,
    check_references: bool = True,
) -> Report:
    """Validate the contract's JSON document (see module docstring for the steps).

    `previous_entry_type`: the entry type of the journey's published versions (it cannot
    change); `journey_id`: the journey being validated (a jump may not target it)."""
    report = Report()
    add = report.problems.append
    if not isinstance(doc, dict):
        add(Problem(codes.ERR_DEFINITION_SHAPE, "the definition must be a JSON object", ""))
        return report
    _check_document_keys(doc, add)
    _check_properties(doc.get("properties"), add)
    graph = _check_nodes(doc.get("nodes"), add)
    _check_edges(doc.get("edges"), graph, add)
    _check_graph(graph, add, previous_entry_type)
    if check_references:
        _check_references(doc, graph, add, journey_id)
    return report


def definition_entry(definition: dict[str, Any]) -> dict[str, Any] | None:
    """The entry node of a definition (the first entry-type node without incoming edges)."""
    nodes = [n for n in definition.get("nodes") or [] if isinstance(n, dict)]
    targets = {e.get("to") for e in definition.get("edges") or [] if isinstance(e, dict)}
    candidates = [n for n in nodes if n.get("type") in activities.ENTRY_TYPES]
    for node in candidates:
        if node.get("id") not in targets:
            return node
    return candidates[0] if candidates else None


def entry_type_of(definition: dict[str, Any]) -> str:
    entry = definition_entry(definition)
    return entry["type"] if entry else ""


# --- (1) document and properties -------------------------------------------------------------


def _check_document_keys(doc: dict[str, Any], add) -> None:
    for key in doc:
        if key not in DOCUMENT_KEYS | READ_ONLY_KEYS:
            add(Problem(codes.ERR_DEFINITION_SHAPE, f"unknown key {key!r}", key))
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip():
        add(Problem(codes.ERR_DEFINITION_SHAPE, "required: the journey's name", "name"))
    elif len(name) > 200:
        add(Problem(codes.ERR_DEFINITION_SHAPE, "at most 200 characters", "name"))
    for key in ("description", "namespace"):
        if doc.get(key) is not None and not isinstance(doc[key], str):
            add(Problem(codes.ERR_DEFINITION_SHAPE, "must be a string", key))
    namespace = doc.get("namespace")
    if (
        isinstance(namespace, str)
        and namespace
        and not re.match(r"^[-a-zA-Z0-9_]{1,50}$", namespace)
    ):
        add(
            Problem(
                codes.ERR_DEFINITION_SHAPE,
                "letters, digits, - and _ only (at most 50)",
                "namespace",
            )
        )


def _check_properties(properties: Any, add) -> None:
    """`{"reentrance": {"allowed": bool, "wait": "PT5M"}, "timezone", "start", "end"}`."""
    if properties is None:
        return
    if not isinstance(properties, dict):
        add(Problem(codes.ERR_PROPERTIES, "must be an object", "properties"))
        return
    for key in properties:
        if key not in PROPERTY_KEYS:
            add(Problem(codes.ERR_PROPERTIES, f"unknown property {key!r}", f"properties.{key}"))
    reentrance = properties.get("reentrance")
    if reentrance is not None:
        if not isinstance(reentrance, dict):
            add(
                Problem(
                    codes.ERR_PROPERTIES,
                    'must be an object {"allowed", "wait"}',
                    "properties.reentrance",
                )
            )
        else:
            check = SettingsCheck(reentrance, "properties.reentrance", None)
            check.known_keys("allowed", "wait")
            if "allowed" in reentrance and not isinstance(reentrance["allowed"], bool):
                check.invalid("allowed", "must be true or false")
            check.duration(
                "wait",
                low=dt.timedelta(0),
                high=guardrails.MAX_REENTRANCE_WAIT,
                what="the re-entrance wait",
            )
            for problem in check.problems:
                add(Problem(codes.ERR_PROPERTIES, problem.message, problem.path))
    tz = properties.get("timezone")
    if tz is not None and not _is_timezone(tz):
        add(
            Problem(
                codes.ERR_PROPERTIES,
                "unknown time zone (use an IANA name, e.g. Europe/Paris)",
                "properties.timezone",
            )
        )
    bounds = {}
    for key in ("start", "end"):
        if properties.get(key) is not None:
            bounds[key] = parse_instant(properties[key])
            if bounds[key] is None:
                add(
                    Problem(
                        codes.ERR_PROPERTIES,
                        "must be an ISO 8601 date-time with offset",
                        f"properties.{key}",
                    )
                )
    if bounds.get("start") and bounds.get("end") and bounds["end"] <= bounds["start"]:
        add(
            Problem(
                codes.ERR_PROPERTIES, "the end date must be after the start date", "properties.end"
            )
        )
    if bounds.get("end") and bounds["end"] < timezone.now():
        add(
            Problem(
                codes.WARN_END_DATE_PAST,
                "the end date is in the past: nobody will enter",
                "properties.end",
            )
        )


def _is_timezone(value: Any) -> bool:
    if not isinstance(value, str) or not value:
        return False
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


# --- (2) nodes and (3) edges ------------------------------------------------------------------


def _check_nodes(nodes: Any, add) -> _Graph:
    graph = _Graph()
    if not isinstance(nodes, list):
        add(Problem(codes.ERR_DEFINITION_SHAPE, "required: a list of nodes", "nodes"))
        return graph
    if len(nodes) > guardrails.MAX_ACTIVITIES:
        add(
            Problem(
                codes.ERR_TOO_MANY_ACTIVITIES,
                f"{len(nodes)} activities: a journey has at most {guardrails.MAX_ACTIVITIES}",
                "nodes",
            )
        )
    for index, node in enumerate(nodes):
        path = f"nodes[{index}]"
        if not isinstance(node, dict):
            add(Problem(codes.ERR_DEFINITION_SHAPE, "must be an object {id, type, config}", path))
            continue
        node_id = node.get("id")
        for key in node:
            if key not in NODE_KEYS:
                add(
                    Problem(
                        codes.ERR_DEFINITION_SHAPE, f"unknown key {key!r}", f"{path}.{key}", node_id
                    )
                )
        if not isinstance(node_id, str) or not NODE_ID.match(node_id):
            add(Problem(codes.ERR_NODE_ID, "id: 1–64 letters, digits, - or _", f"{path}.id"))
            continue
        if node_id in graph.nodes:
            add(Problem(codes.ERR_NODE_ID, f"duplicate id {node_id!r}", f"{path}.id", node_id))
            continue
        if node.get("type") not in activities.REGISTRY:
            add(
                Problem(
                    codes.ERR_NODE_TYPE,
                    f"unknown type {node.get('type')!r} (one of: {', '.join(activities.REGISTRY)})",
                    f"{path}.type",
                    node_id,
                )
            )
            continue
        if node.get("label") is not None and not isinstance(node["label"], str):
            add(Problem(codes.ERR_DEFINITION_SHAPE, "must be a string", f"{path}.label", node_id))
        config = node.get("config", {})
        if config is None:
            config = {}
        if not isinstance(config, dict):
            add(Problem(codes.ERR_DEFINITION_SHAPE, "must be an object", f"{path}.config", node_id))
            continue
        check = SettingsCheck(config, f"{path}.config", node_id)
        activities.get(node["type"]).check_settings(check)
        for problem in check.problems:
            add(problem)
        graph.nodes[node_id] = node
        graph.index[node_id] = index
    return graph


def _check_edges(edges: Any, graph: _Graph, add) -> None:
    if edges is None:
        return
    if not isinstance(edges, list):
        add(
            Problem(codes.ERR_DEFINITION_SHAPE, "must be a list of edges {from, to, port}", "edges")
        )
        return
    seen: set[tuple[str, str, str]] = set()
    for index, edge in enumerate(edges):
        path = f"edges[{index}]"
        if not isinstance(edge, dict):
            add(Problem(codes.ERR_DEFINITION_SHAPE, "must be an object {from, to, port}", path))
            continue
        for key in edge:
            if key not in EDGE_KEYS:
                add(Problem(codes.ERR_DEFINITION_SHAPE, f"unknown key {key!r}", f"{path}.{key}"))
        source, target, port = edge.get("from"), edge.get("to"), edge.get("port", "default")
        if port is None:
            port = "default"
        ok = True
        for key, value in (("from", source), ("to", target)):
            if value not in graph.nodes:
                add(Problem(codes.ERR_EDGE_ENDPOINT, f"no node with id {value!r}", f"{path}.{key}"))
                ok = False
        if not isinstance(port, str):
            add(Problem(codes.ERR_DEFINITION_SHAPE, "must be a string", f"{path}.port", source))
            ok = False
        if not ok:
            continue
        if (source, port, target) in seen:
            add(Problem(codes.ERR_EDGE_DUPLICATE, "this connection exists twice", path, source))
            continue
        seen.add((source, port, target))
        ports = [p.name for p in graph.activity(source).ports(graph.config(source))]
        if port not in ports:
            hint = f"its ports: {', '.join(ports)}" if ports else "it has no exits"
            add(
                Problem(
                    codes.ERR_EDGE_PORT,
                    f"{source!r} has no {port!r} exit ({hint})",
                    f"{path}.port",
                    source,
                )
            )
        graph.edges.append((index, edge))
        graph.successors[source].append(target)
        graph.predecessors[target].append(source)
        graph.by_port[(source, port)].append(target)


# --- (4) the graph ----------------------------------------------------------------------------


def _check_graph(graph: _Graph, add, previous_entry_type: str | None) -> None:
    if not graph.nodes:
        add(
            Problem(
                codes.ERR_NO_ENTRY,
                "add an entry activity (an event or a read audience) to start the journey",
                "nodes",
            )
        )
        return
    entry = _check_entry(graph, add, previous_entry_type)
    if entry is not None:
        reachable = _reachable(graph, entry)
        for node_id in graph.nodes:
            if node_id not in reachable:
                add(
                    Problem(
                        codes.ERR_UNREACHABLE,
                        "no path leads here from the start of the journey",
                        graph.path(node_id),
                        node_id,
                    )
                )
    has_cycle = _check_cycles(graph, add)
    for node_id in graph.nodes:
        if graph.nodes[node_id]["type"] == "end" and graph.successors.get(node_id):
            add(
                Problem(
                    codes.ERR_END_HAS_NEXT,
                    "an End activity cannot lead anywhere",
                    graph.path(node_id),
                    node_id,
                )
            )
    _check_races(graph, add)
    _check_reactions(graph, add)
    _check_condition_other(graph, add)
    if entry is not None and not has_cycle:
        _check_journey_timeout(graph, entry, add)


def _check_entry(graph: _Graph, add, previous_entry_type: str | None) -> str | None:
    """One entry activity, with no incoming edge; read audience only first, or as the audience
    read directly after a business event."""
    entries = []
    for node_id, node in graph.nodes.items():
        if node["type"] not in activities.ENTRY_TYPES:
            continue
        preds = graph.predecessors.get(node_id, [])
        if (
            node["type"] == "read_audience"
            and preds
            and all(graph.nodes[p]["type"] == "business_event" for p in preds)
        ):
            continue  # the business event's audience read
        entries.append(node_id)
    if not entries:
        add(
            Problem(
                codes.ERR_NO_ENTRY,
                "add an entry activity (an event or a read audience) to start the journey",
                "nodes",
            )
        )
        return None
    first, *others = sorted(
        entries, key=lambda n: (bool(graph.predecessors.get(n)), graph.index[n])
    )
    for node_id in others:
        add(
            Problem(
                codes.ERR_MULTIPLE_ENTRIES,
                f"a journey has exactly one entry activity; {graph.nodes[first]['type'].replace('_', ' ')} "
                f"{first!r} already starts it",
                graph.path(node_id),
                node_id,
            )
        )
    for node_id in entries:
        if graph.predecessors.get(node_id):
            what = activities.get(graph.nodes[node_id]["type"]).label
            add(
                Problem(
                    codes.ERR_ENTRY_NOT_FIRST,
                    f"{what} starts a journey: it must come first",
                    graph.path(node_id),
                    node_id,
                )
            )
    entry_type = graph.nodes[first]["type"]
    if previous_entry_type and entry_type != previous_entry_type:
        add(
            Problem(
                codes.ERR_ENTRY_TYPE_CHANGED,
                f"the journey's published versions start with {previous_entry_type.replace('_', ' ')}; "
                "a new version cannot change how profiles enter (duplicate the journey instead)",
                graph.path(first),
                first,
            )
        )
    if entry_type == "business_event":
        _check_business_event(graph, first, add)
    return first


def _check_business_event(graph: _Graph, node_id: str, add) -> None:
    own = graph.config(node_id).get("audience")
    reads = [
        n for n in graph.successors.get(node_id, []) if graph.nodes[n]["type"] == "read_audience"
    ]
    read_audiences = {graph.config(n).get("audience") for n in reads} - {None, ""}
    if not own and not reads:
        add(
            Problem(
                codes.ERR_BUSINESS_EVENT_AUDIENCE,
                "a business event makes an audience enter: choose its audience or follow it with a Read audience",
                graph.path(node_id, "audience"),
                node_id,
            )
        )
    elif own and read_audiences and read_audiences != {own}:
        add(
            Problem(
                codes.ERR_BUSINESS_EVENT_AUDIENCE,
                "the Read audience after this business event reads a different audience",
                graph.path(node_id, "audience"),
                node_id,
            )
        )
    elif reads and len(graph.successors.get(node_id, [])) > 1:
        add(
            Problem(
                codes.ERR_BUSINESS_EVENT_AUDIENCE,
                "a business event is followed by the read of its audience only",
                graph.path(node_id),
                node_id,
            )
        )


def _reachable(graph: _Graph, start: str) -> set[str]:
    seen, stack = {start}, [start]
    while stack:
        for target in graph.successors.get(stack.pop(), []):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def _check_cycles(graph: _Graph, add) -> bool:
    """Depth-first search; each back edge is a loop (journeys are acyclic)."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    found = False
    edge_index = {(e["from"], e["to"]): i for i, e in graph.edges}
    for root in graph.nodes:
        if root in state:
            continue
        stack = [(root, iter(graph.successors.get(root, [])))]
        state[root] = 1
        while stack:
            node_id, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node_id] = 2
                stack.pop()
            elif state.get(child) == 1:
                found = True
                add(
                    Problem(
                        codes.ERR_CYCLE,
                        f"this connection from {node_id!r} back to {child!r} makes a loop; journeys go forward only",
                        f"edges[{edge_index[(node_id, child)]}]",
                        node_id,
                    )
                )
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(graph.successors.get(child, []))))
    return found


def _check_races(graph: _Graph, add) -> None:
    """Several nodes after one exit must all be events/reactions (a race); one timeout each."""
    warned: set[str] = set()
    for (source, _port), targets in graph.by_port.items():
        listening = [t for t in targets if graph.nodes[t]["type"] in activities.LISTENING_TYPES]
        if len(targets) > 1 and len(listening) != len(targets):
            add(
                Problem(
                    codes.ERR_PORT_FANOUT,
                    f"{source!r} leads to several activities; only events and reactions may follow one exit together (they race)",
                    graph.path(source),
                    source,
                )
            )
            continue
        if not listening:
            continue
        with_timeout = [t for t in listening if graph.activity(t).timeout(graph.config(t))]
        for extra in with_timeout[1:]:
            add(
                Problem(
                    codes.ERR_RACE_TIMEOUTS,
                    f"{with_timeout[0]!r} already sets the timeout of this race; one timeout covers all the events after {source!r}",
                    graph.path(extra, "timeout"),
                    extra,
                )
            )
        if not with_timeout and listening[0] not in warned:
            warned.add(listening[0])
            add(
                Problem(
                    codes.WARN_RACE_NO_TIMEOUT,
                    f"no timeout: profiles wait here until the journey's {guardrails.JOURNEY_TIMEOUT.days}-day limit",
                    graph.path(listening[0]),
                    listening[0],
                )
            )
    for node_id in graph.nodes:
        if graph.activity(node_id).timeout(graph.config(node_id)) and not graph.by_port.get(
            (node_id, "timeout")
        ):
            add(
                Problem(
                    codes.WARN_TIMEOUT_NO_PATH,
                    "no timeout path: profiles that time out leave the journey",
                    graph.path(node_id, "timeout"),
                    node_id,
                )
            )


def _check_reactions(graph: _Graph, add) -> None:
    """A reaction directly follows the message it names, and that message uses its channel."""
    for node_id, node in graph.nodes.items():
        if node["type"] != "reaction":
            continue
        config = graph.config(node_id)
        message_id, channel = config.get("action"), config.get("channel")
        if not message_id:
            continue  # ERR_SETTING_REQUIRED already
        message = graph.nodes.get(message_id)
        preds = set(graph.predecessors.get(node_id, []))
        if message is None or message["type"] != "message":
            add(
                Problem(
                    codes.ERR_REACTION_PLACEMENT,
                    f"{message_id!r} is not a message of this journey",
                    graph.path(node_id, "action"),
                    node_id,
                )
            )
        elif preds != {message_id}:
            add(
                Problem(
                    codes.ERR_REACTION_PLACEMENT,
                    f"a reaction must come directly after its message {message_id!r}",
                    graph.path(node_id, "action"),
                    node_id,
                )
            )
        elif channel and channel not in (message.get("config") or {}):
            add(
                Problem(
                    codes.ERR_REACTION_CHANNEL,
                    f"message {message_id!r} has no {channel} version to react to",
                    graph.path(node_id, "channel"),
                    node_id,
                )
            )


def _check_condition_other(graph: _Graph, add) -> None:
    for node_id, node in graph.nodes.items():
        if node["type"] == "condition" and graph.config(node_id).get("other") is False:
            add(
                Problem(
                    codes.WARN_CONDITION_NO_OTHER,
                    "no 'other' path: profiles matching no path leave the journey",
                    graph.path(node_id, "other"),
                    node_id,
                )
            )


def _check_journey_timeout(graph: _Graph, entry: str, add) -> None:
    """Fixed waits along one path add up to more than the journey's 91-day limit."""
    longest: dict[str, dt.timedelta] = {}
    order = _topological(graph, entry)
    reported = False
    for node_id in order:
        before = max(
            (longest[p] for p in graph.predecessors.get(node_id, []) if p in longest),
            default=dt.timedelta(0),
        )
        here = before + (
            graph.activity(node_id).wait_duration(graph.config(node_id)) or dt.timedelta(0)
        )
        longest[node_id] = here
        if here > guardrails.JOURNEY_TIMEOUT and not reported:
            reported = True
            add(
                Problem(
                    codes.ERR_JOURNEY_TIMEOUT,
                    f"waits up to here add up to {format_duration(here)}; a profile leaves a journey "
                    f"{guardrails.JOURNEY_TIMEOUT.days} days after entering",
                    graph.path(node_id),
                    node_id,
                )
            )


def _topological(graph: _Graph, entry: str) -> list[str]:
    reachable = _reachable(graph, entry)
    indegree = {
        n: sum(1 for p in graph.predecessors.get(n, []) if p in reachable) for n in reachable
    }
    ready, order = [entry], []
    while ready:
        node_id = ready.pop()
        order.append(node_id)
        for target in graph.successors.get(node_id, []):
            indegree[target] -= 1
            if indegree[target] == 0:
                ready.append(target)
    return order


# --- (5) references, conditions, namespace ----------------------------------------------------


def _check_references(doc: dict[str, Any], graph: _Graph, add, journey_id: int | None) -> None:
    refs = References()
    for node_id in graph.nodes:
        found = graph.activity(node_id).references(graph.config(node_id))
        refs.audiences |= found.audiences
        refs.events |= found.events
        refs.actions |= found.actions
        refs.journeys |= found.journeys
    resolved = resolve(refs)
    if refs.events and not resolved.events_available:
        add(
            Problem(
                codes.WARN_REFERENCES_UNCHECKED,
                "events cannot be checked yet (no event configurations)",
                "nodes",
            )
        )
    if refs.actions and not resolved.actions_available:
        add(
            Problem(
                codes.WARN_REFERENCES_UNCHECKED, "custom actions cannot be checked yet", "nodes"
            )
        )
    namespace = doc.get("namespace") or ""
    for node_id, node in graph.nodes.items():
        config = graph.config(node_id)
        _check_node_references(graph, node_id, node["type"], config, resolved, add, journey_id)
        if node["type"] in ("unitary_event", "event") and config.get("event") in resolved.events:
            _check_namespace(graph, node_id, resolved.events[config["event"]], namespace, add)
        if node["type"] == "condition":
            _check_condition_rules(graph, node_id, config, resolved, add)
        if (
            node["type"] == "wait"
            and (until := parse_instant(config.get("until")))
            and until < timezone.now()
        ):
            add(
                Problem(
                    codes.WARN_WAIT_UNTIL_PAST,
                    "this date is in the past: profiles will not wait",
                    graph.path(node_id, "until"),
                    node_id,
                )
            )


def _check_node_references(
    graph, node_id, type_, config, resolved: Resolved, add, journey_id
) -> None:
    audience = config.get("audience")
    if audience and audience not in resolved.audiences:
        add(
            Problem(
                codes.ERR_AUDIENCE_NOT_FOUND,
                f"no audience {audience!r}",
                graph.path(node_id, "audience"),
                node_id,
            )
        )
    event = config.get("event")
    if isinstance(event, str) and event and resolved.events_available:
        info = resolved.events.get(event)
        expected = "business" if type_ == "business_event" else "unitary"
        if info is None:
            add(
                Problem(
                    codes.ERR_EVENT_NOT_FOUND,
                    f"no event configuration named {event!r}",
                    graph.path(node_id, "event"),
                    node_id,
                )
            )
        elif info.kind and info.kind != expected:
            add(
                Problem(
                    codes.ERR_EVENT_KIND,
                    f"{event!r} is a {info.kind} event; this activity needs a {expected} event",
                    graph.path(node_id, "event"),
                    node_id,
                )
            )
    if type_ == "action" and config.get("action") and resolved.actions_available:
        if config["action"] not in resolved.actions:
            add(
                Problem(
                    codes.ERR_ACTION_NOT_FOUND,
                    f"no custom action {config['action']!r}",
                    graph.path(node_id, "action"),
                    node_id,
                )
            )
    if type_ == "jump" and isinstance(config.get("journey"), int):
        target = config["journey"]
        if target == journey_id or target not in resolved.journeys:
            message = (
                "a journey cannot jump to itself"
                if target == journey_id
                else f"no journey {target}"
            )
            add(
                Problem(
                    codes.ERR_JOURNEY_NOT_FOUND, message, graph.path(node_id, "journey"), node_id
                )
            )
        elif resolved.journeys[target][1] not in (None, "unitary_event"):
            add(
                Problem(
                    codes.WARN_JUMP_TARGET_ENTRY,
                    "profiles can only jump into a journey that starts with a unitary event",
                    graph.path(node_id, "journey"),
                    node_id,
                )
            )


def _check_namespace(graph, node_id, info, namespace: str, add) -> None:
    if not info.namespace:
        return
    if not namespace:
        add(
            Problem(
                codes.WARN_NO_NAMESPACE,
                f"the journey has no namespace; its event {info.name!r} identifies profiles by {info.namespace!r}",
                "namespace",
                node_id,
            )
        )
    elif info.namespace != namespace:
        add(
            Problem(
                codes.ERR_NAMESPACE_MISMATCH,
                f"event {info.name!r} identifies profiles by {info.namespace!r} but the journey uses {namespace!r}",
                graph.path(node_id, "event"),
                node_id,
            )
        )


def _check_condition_rules(graph, node_id, config, resolved: Resolved, add) -> None:
    paths = config.get("paths")
    if not isinstance(paths, list):
        return
    palette = journey_palette(resolved.events)
    for index, item in enumerate(paths):
        if not isinstance(item, dict) or not isinstance(item.get("rule"), dict):
            continue
        for error in validate_rule(
            item["rule"], fields=palette, path=graph.path(node_id, f"paths[{index}].rule")
        ):
            if not resolved.events_available and "unknown field 'event." in error.message:
                continue
            add(Problem(codes.ERR_CONDITION_RULE, error.message, error.path, node_id))


def parse_properties(properties: dict[str, Any] | None) -> dict[str, Any]:
    """Typed values of (validated) properties, with defaults, for the Journey's columns."""
    properties = properties or {}
    reentrance = properties.get("reentrance") or {}
    wait = parse_duration(reentrance.get("wait")) if reentrance.get("wait") else None
    return {
        "reentrance_allowed": bool(reentrance.get("allowed", False)),
        "reentrance_wait": wait if wait is not None else guardrails.DEFAULT_REENTRANCE_WAIT,
        "timezone": properties.get("timezone") or "UTC",
        "start_at": parse_instant(properties.get("start")) if properties.get("start") else None,
        "end_at": parse_instant(properties.get("end")) if properties.get("end") else None,
    }
