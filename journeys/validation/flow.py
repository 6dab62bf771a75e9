"""Step (4): the graph — one entry first, entry-type rules, reachability, cycles, races and
timeouts, reactions after their message, the journey timeout."""

from __future__ import annotations

import datetime as dt

from journeys import activities, codes, guardrails
from journeys.activities import Problem
from journeys.durations import format_duration

from .graph import Graph


def check_graph(graph: Graph, add, previous_entry_type: str | None) -> None:
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


def _check_entry(graph: Graph, add, previous_entry_type: str | None) -> str | None:
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


def _check_business_event(graph: Graph, node_id: str, add) -> None:
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


def _reachable(graph: Graph, start: str) -> set[str]:
    seen, stack = {start}, [start]
    while stack:
        for target in graph.successors.get(stack.pop(), []):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def _check_cycles(graph: Graph, add) -> bool:
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


def _check_races(graph: Graph, add) -> None:
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


def _check_reactions(graph: Graph, add) -> None:
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


def _check_condition_other(graph: Graph, add) -> None:
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


def _check_journey_timeout(graph: Graph, entry: str, add) -> None:
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


def _topological(graph: Graph, entry: str) -> list[str]:
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
