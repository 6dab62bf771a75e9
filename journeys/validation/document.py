"""Steps (1)-(3): the document's shape and properties, each node's shape and settings
(through its activity module), and the edges. Problems found here are mostly *malformed*."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

from django.utils import timezone

from journeys import activities, codes, guardrails
from journeys.activities import Problem, SettingsCheck
from journeys.durations import parse_duration, parse_instant

from .graph import Graph

NODE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
DOCUMENT_KEYS = {"name", "description", "namespace", "properties", "nodes", "edges"}
# Keys a GET answer carries; accepted (and ignored) on import so an export imports as is.
READ_ONLY_KEYS = {"id", "status", "version", "revision", "created_at", "updated_at", "published_at"}
NODE_KEYS = {"id", "type", "config", "label"}
EDGE_KEYS = {"from", "to", "port"}
PROPERTY_KEYS = {"reentrance", "timezone", "start", "end"}


def check_document_keys(doc: dict[str, Any], add) -> None:
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


def check_properties(properties: Any, add) -> None:
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


def check_nodes(nodes: Any, add) -> Graph:
    graph = Graph()
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


def check_edges(edges: Any, graph: Graph, add) -> None:
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
