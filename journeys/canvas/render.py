"""HTML of the graph's repeated parts — node cards, edges, drop slots — written in Python.

Why not template partials: the graph is redrawn after every edit, and a 50-activity journey
has ~50 cards, ~60 edges and their handles; through the template engine that alone took most
of the `node_save_ms` budget (50 ms). These functions produce the same markup the rest of the
canvas templates use (class names in static/css/canvas.css), escaping every value.

Hooks for other parts (test mode, live report): every card carries `data-node-id`; its
`decoration` (journeys.canvas.decorations) adds counts and a `node--<status>` class; every edge
carries `data-from`, `data-to`, `data-port`.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .presenter import CanvasState, NodeCard

PLUS = '<svg viewBox="0 0 24 24"><path d="M12 6v12M6 12h12"/></svg>'
CROSS = '<svg viewBox="0 0 24 24"><path d="M7 7l10 10M17 7 7 17"/></svg>'
WARNING = '<svg viewBox="0 0 24 24"><path d="M12 3 2 20h20z"/><path d="M12 10v4M12 17h.01"/></svg>'
ARROW = (
    '<defs><marker id="cv-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
    'markerHeight="7" orient="auto-start-reverse"><path d="M1,1 L9,5 L1,9" fill="none" '
    'stroke="context-stroke" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"/>'
    "</marker></defs>"
)


def _classes(card: NodeCard) -> str:
    classes = ["cv-node", f"cv-cat-{card.activity.category}"]
    if card.problems:
        classes.append("has-errors" if card.has_errors else "has-warnings")
    if card.decoration and card.decoration.status:
        classes.append(f"node--{card.decoration.status}")
    if card.activity.entry:
        classes.append("is-entry")
    return escape(" ".join(classes))


def node_card(card: NodeCard, *, editable: bool) -> str:
    """One node: icon, kind, title, summary, warning icon, badges, ports, "+"."""
    node, activity = card.placed, card.activity
    kind = ("Entry · " if activity.entry else "") + activity.label
    if card.subtitle:
        summary = f'<span class="cv-node-summary">{escape(card.subtitle)}</span>'
    elif not card.summary:
        summary = '<span class="cv-node-summary is-empty">Not configured yet</span>'
    else:
        summary = ""
    alert = ""
    if card.problems:
        level = "is-error" if card.has_errors else "is-warning"
        alert = f'<span class="cv-node-alert {level}" title="{escape(card.problem_text)}">{WARNING}</span>'
    badges = ""
    if card.decoration and card.decoration.counts:
        counts = "".join(
            f'<span class="cv-count"><b>{escape(value)}</b> {escape(label)}</span>'
            for label, value in card.decoration.counts
        )
        badges = (
            f'<span class="cv-node-badges" title="{escape(card.decoration.title)}">{counts}</span>'
        )
    handle = " cv-port-handle" if editable else ""
    hint = ": drag onto an activity to connect" if editable else ""
    ports = "".join(
        f'<span class="cv-port{" is-connected" if port.connected else ""}{handle}" '
        f'data-port="{escape(port.name)}" style="top:{port.offset}px" '
        f'title="{escape(port.label or "Next")}{hint}"></span>'
        for port in node.ports
    )
    plus = ""
    if editable and card.opens_paths:
        plus = (
            f'<button type="button" class="cv-node-plus" title="Open a new path from here" '
            f'aria-label="Open a new path from {escape(card.title)}" hx-get="{escape(card.branch_url)}" '
            f'hx-target="#canvas-graph" hx-swap="outerHTML" hx-trigger="click consume">{PLUS}</button>'
        )
    return (
        f'<div class="{_classes(card)}" id="node-{escape(node.id)}" data-node-id="{escape(node.id)}" '
        f'data-node-type="{escape(node.type)}" style="left:{node.x}px;top:{node.y}px;width:{node.width}px;'
        f'height:{node.height}px;--node-colour:{escape(activity.colour)}" hx-get="{escape(card.panel_url)}" '
        f'hx-target="#canvas-panel" hx-trigger="click, keyup[key==\'Enter\']" tabindex="0" role="button">'
        f'<span class="cv-node-icon"><svg viewBox="0 0 24 24">{activity.icon}</svg></span>'
        f'<span class="cv-node-text"><span class="cv-node-kind">{escape(kind)}</span>'
        f'<span class="cv-node-title">{escape(card.title)}</span>{summary}</span>'
        f'{alert}{badges}<span class="cv-node-in" aria-hidden="true"></span>{ports}{plus}</div>'
    )


def edges_svg(state: CanvasState) -> str:
    graph = state.graph
    parts = [
        f'<svg class="cv-edges" width="{graph.width}" height="{graph.height}" aria-hidden="true">',
        ARROW,
    ]
    for index, edge in enumerate(graph.edges, start=1):
        back = " is-back" if edge.back else ""
        path = escape(edge.path)
        parts.append(
            f'<g class="cv-edge{back} cv-port-{escape(edge.port)}" data-from="{escape(edge.source)}" '
            f'data-to="{escape(edge.target)}" data-port="{escape(edge.port)}" data-edge="{index}">'
            f'<path class="cv-edge-hit" d="{path}"/><path class="cv-edge-line" d="{path}" marker-end="url(#cv-arrow)"/></g>'
        )
    for slot in graph.slots:
        parts.append(
            f'<path class="cv-stub{" is-branch" if slot.branch else ""}" d="{escape(slot.stub)}"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def edge_handles(state: CanvasState) -> str:
    """Port labels on edges and, when editable, each edge's insert slot and delete button."""
    parts = []
    for index, edge in enumerate(state.graph.edges, start=1):
        if edge.label:
            parts.append(
                f'<span class="cv-edge-label cv-port-{escape(edge.port)}" '
                f'style="left:{edge.label_x}px;top:{edge.label_y}px">{escape(edge.label)}</span>'
            )
        if not state.editable:
            continue
        source, port, target = escape(edge.source), escape(edge.port), escape(edge.target)
        vals = escape(
            f'{{"from": "{_js(edge.source)}", "port": "{_js(edge.port)}", "to": "{_js(edge.target)}"}}'
        )
        parts.append(
            f'<div class="cv-edge-mid" data-edge="{index}" style="left:{edge.slot_x}px;top:{edge.slot_y}px">'
            f'<span class="cv-drop cv-slot-edge" data-slot="edge" data-after="{source}" data-port="{port}" '
            f'data-before="{target}" title="Drop an activity to insert it here">{PLUS}</span>'
            f'<button type="button" class="cv-edge-delete" title="Delete this connection" '
            f'aria-label="Delete the connection from {source} to {target}" hx-post="{escape(state.urls.disconnect)}" '
            f'hx-vals="{vals}" hx-target="#canvas-panel">{CROSS}</button></div>'
        )
    return "".join(parts)


def _js(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def slots(state: CanvasState) -> str:
    parts = []
    for slot in state.graph.slots:
        after, port = escape(slot.after), escape(slot.port)
        if slot.branch:
            kind, extra, title = "branch", ' data-branch="1"', "New path: drop an activity here"
            label = '<span class="cv-slot-label">New path</span>'
        else:
            kind, extra, title, label = (
                "port",
                "",
                "Drop an activity here, or click to pick one",
                "",
            )
        parts.append(
            f'<div class="cv-drop cv-slot{" is-branch" if slot.branch else ""}" data-slot="{kind}" '
            f'data-after="{after}" data-port="{port}"{extra} style="left:{slot.x}px;top:{slot.y}px" '
            f'tabindex="0" role="button" title="{title}">{PLUS}{label}</div>'
        )
        if slot.label:
            parts.append(
                f'<span class="cv-edge-label cv-port-{port}" style="left:{slot.label_x}px;'
                f'top:{slot.label_y}px">{escape(slot.label)}</span>'
            )
    return "".join(parts)


def graph_body(state: CanvasState) -> SafeString:
    """Everything inside `#canvas-graph` for a non-empty journey."""
    cards = "".join(node_card(card, editable=state.editable) for card in state.cards)
    return mark_safe(edges_svg(state) + edge_handles(state) + slots(state) + cards)  # noqa: S308 - escaped above
