"""Contexts of the side panel: a node's settings (per activity type) and the journey's properties.

`node_panel(state, node_id, config=..., problems=...)` draws the stored node, or — after a
refused save — the values the user typed with the problems that refused them, so nothing typed
is lost.
"""

from __future__ import annotations

import zoneinfo
from functools import lru_cache
from typing import Any

from journeys.activities import Problem

from . import choices
from .forms import field_errors, local_input
from .presenter import CanvasState

SCHEDULE_TYPES = (
    ("once", "Once"),
    ("daily", "Daily"),
    ("weekly", "Weekly"),
    ("monthly", "Monthly"),
)
WEEKDAYS = (
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
)
CHANNEL_TABS = (("email", "Email"), ("push", "Push"), ("sms", "SMS"))
REACTIONS = (
    ("email", "opened", "Email opened"),
    ("email", "clicked", "Email clicked"),
    ("push", "opened", "Push opened"),
    ("push", "clicked", "Push clicked"),
    ("sms", "clicked", "SMS link clicked"),
)


def _choices_for(type_: str, state: CanvasState) -> dict[str, Any]:
    """Only what this activity's form needs (one query per picker)."""
    out: dict[str, Any] = {}
    if type_ in ("read_audience", "audience_qualification", "business_event"):
        out["audiences"] = choices.audience_choices()
    if type_ in ("unitary_event", "event"):
        out["unitary_events"] = choices.event_choices("unitary")
        out["unitary_event_names"] = [e["name"] for e in out["unitary_events"]]
    if type_ == "business_event":
        out["business_events"] = choices.event_choices("business")
        out["business_event_names"] = [e["name"] for e in out["business_events"]]
    if type_ == "action":
        out["actions"] = choices.action_choices()
    if type_ == "jump":
        out["journeys"] = choices.journey_choices(exclude=state.journey.pk)
    if type_ == "reaction":
        out["messages"] = [
            {"id": c.id, "title": c.title, "summary": c.summary, "config": c.placed.config}
            for c in state.cards
            if c.placed.type == "message"
        ]
    return out


def _ports_out(state: CanvasState, node_id: str) -> list[dict[str, Any]]:
    card = state.card(node_id)
    if card is None:
        return []
    out = []
    for port in card.placed.ports:
        targets = []
        for edge in state.graph.edges:
            if (
                edge.source == node_id
                and edge.port == port.name
                and (target := state.card(edge.target))
            ):
                targets.append(
                    {"id": target.id, "title": target.title, "colour": target.activity.colour}
                )
        out.append({"name": port.name, "label": port.label or "Then", "targets": targets})
    return out


def _condition_paths(
    config: dict[str, Any], errors: dict[str, list[str]], node_id: str, state
) -> list[dict[str, Any]]:
    """Each path: its label field and a rule builder over the journey's palette."""
    from .conditions import condition_builder, condition_fields

    fields = condition_fields(state)
    paths = config.get("paths") if isinstance(config.get("paths"), list) else []
    out = []
    for index, item in enumerate(paths):
        item = item if isinstance(item, dict) else {}
        out.append(
            {
                "label": item.get("label", ""),
                "label_key": f"paths[{index}].label",
                "builder": condition_builder(
                    state, node_id, index, item.get("rule"), errors, fields
                ),
            }
        )
    return out


def _option_text(title: str, summary: str) -> str:
    if not summary or summary == title:
        return title
    return f"{title} · {summary[:40]}…" if len(summary) > 40 else f"{title} · {summary}"


def node_panel(
    state: CanvasState,
    node_id: str,
    *,
    config: dict[str, Any] | None = None,
    problems: list[Problem] | None = None,
    label: str | None = None,
    ui_tab: str = "",
    drafts: dict[str, str] | None = None,
) -> dict[str, Any] | None:
    """Context of `_panel_node.html`; None when the node does not exist."""
    nodes = state.version.definition.get("nodes") or []
    index = next((i for i, n in enumerate(nodes) if n.get("id") == node_id), None)
    card = state.card(node_id)
    if index is None or card is None:
        return None
    node = dict(nodes[index])
    if label is not None:
        node["label"] = label
    config = config if config is not None else (node.get("config") or {})
    problems = problems if problems is not None else card.problems
    errors = field_errors(problems, f"nodes[{index}]")
    type_ = node["type"]
    context: dict[str, Any] = {
        "state": state,
        "card": card,
        "node": node,
        "config": config,
        "errors": errors,
        "general_errors": errors.get("", []),
        "config_template": f"journeys/canvas/config/{type_}.html",
        "choices": _choices_for(type_, state),
        "tz": state.journey.timezone or "UTC",
        "ports_out": _ports_out(state, node_id),
        "connect_targets": [
            {"id": c.id, "text": _option_text(c.title, c.summary)}
            for c in state.cards
            if c.id != node_id and not c.activity.entry
        ],
    }
    if type_ == "message":
        used = [key for key, _ in CHANNEL_TABS if key in config]
        context["channel_tabs"] = CHANNEL_TABS
        # A channel just unticked keeps its text in the panel: ticking it again restores it.
        context["drafts"] = {
            key: {
                k.split(".", 1)[1]: v for k, v in (drafts or {}).items() if k.startswith(key + ".")
            }
            for key, _ in CHANNEL_TABS
            if key not in config
        }
        context["ui_tab"] = (
            ui_tab if ui_tab in dict(CHANNEL_TABS) else (used[0] if used else "email")
        )
    if type_ == "reaction":
        message = next(
            (m for m in context["choices"]["messages"] if m["id"] == config.get("action")), None
        )
        context["reaction_choices"] = REACTIONS
        context["message_channels"] = [
            k for k, _ in CHANNEL_TABS if message and k in message["config"]
        ]
    if type_ in ("reaction", "event"):
        context["timeout_connected"] = any(
            e.source == node_id and e.port == "timeout" for e in state.graph.edges
        )
    if type_ == "read_audience":
        context["schedule_types"], context["weekdays"] = SCHEDULE_TYPES, WEEKDAYS
    if type_ == "condition":
        context["condition_paths"] = _condition_paths(config, errors, node_id, state)
    return context


@lru_cache(maxsize=1)
def timezones() -> list[str]:
    return sorted(
        tz
        for tz in zoneinfo.available_timezones()
        if "/" in tz and not tz.startswith(("Etc/", "SystemV/"))
    ) + ["UTC"]


def properties_form(journey, *, posted=None) -> dict[str, Any]:
    """The properties panel's values: from the journey, or as posted (after a refusal)."""
    props = journey.properties or {}
    tz = props.get("timezone") or journey.timezone or "UTC"
    reentrance = props.get("reentrance") or {}
    if posted is not None:
        return posted
    return {
        "name": journey.name,
        "description": journey.description,
        "namespace": journey.namespace,
        "reentrance": bool(reentrance.get("allowed")),
        "reentrance_wait": reentrance.get("wait") or "PT5M",
        "start": local_input(props.get("start"), tz),
        "end": local_input(props.get("end"), tz),
        "timezone": tz,
    }


def properties_from_post(post, journey) -> tuple[dict[str, Any], dict[str, Any]]:
    """(properties as the contract writes them, the form values to redisplay)."""
    from .forms import duration_from_post, instant_from_local

    tz = post.get("timezone") or "UTC"
    allowed = bool(post.get("reentrance"))
    reentrance: dict[str, Any] = {"allowed": allowed}
    if allowed:
        wait = duration_from_post(post, "reentrance.wait") or "PT5M"
        reentrance["wait"] = wait
    properties: dict[str, Any] = {"reentrance": reentrance, "timezone": tz}
    for key in ("start", "end"):
        if value := instant_from_local(post.get(key), tz):
            properties[key] = value
    form = {
        "name": post.get("name", "").strip(),
        "description": post.get("description", ""),
        "namespace": post.get("namespace", "").strip(),
        "reentrance": allowed,
        "reentrance_wait": reentrance.get("wait") or "PT5M",
        "start": post.get("start", ""),
        "end": post.get("end", ""),
        "timezone": tz,
    }
    return properties, form
