"""Step (5): what the definition refers to (audiences, events, custom actions, journeys: one
query per kind), condition rules against the journey palette, namespace consistency."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from audiences.rules import validate_rule
from journeys import codes
from journeys.activities import Problem, References
from journeys.durations import parse_instant
from journeys.references import Resolved, journey_palette, resolve

from .graph import Graph


def check_references(doc: dict[str, Any], graph: Graph, add, journey_id: int | None) -> None:
    refs = References()
    for node_id in graph.nodes:
        found = graph.activity(node_id).references(graph.config(node_id))
        refs.audiences |= found.audiences
        refs.events |= found.events
        refs.actions |= found.actions
        refs.journeys |= found.journeys
    resolved = resolve(refs)
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
    if isinstance(event, str) and event:
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
    if type_ == "action" and config.get("action"):
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
            add(Problem(codes.ERR_CONDITION_RULE, error.message, error.path, node_id))
