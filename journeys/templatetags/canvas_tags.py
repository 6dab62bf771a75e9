"""Template helpers of the canvas's settings panels."""

from __future__ import annotations

from typing import Any

from django import template

from journeys.canvas.forms import duration_parts, local_input

register = template.Library()


@register.filter
def errors_for(errors: dict[str, list[str]] | None, key: str) -> list[str]:
    """Messages of one field (`email.subject`)."""
    return (errors or {}).get(key, [])


@register.filter
def errors_under(errors: dict[str, list[str]] | None, prefix: str) -> list[str]:
    """Messages of a field and everything inside it (`paths[0]` → its label and rule)."""
    return [
        m
        for key, messages in (errors or {}).items()
        if key == prefix or key.startswith(prefix + ".") or key.startswith(prefix + "[")
        for m in messages
    ]


@register.filter
def lookup(mapping: Any, key: Any) -> Any:
    if isinstance(mapping, dict):
        return mapping.get(key, "")
    return ""


@register.filter
def duration_value(value: Any) -> str:
    return duration_parts(value)[0]


@register.filter
def duration_unit(value: Any) -> str:
    return duration_parts(value)[1]


@register.filter
def local_datetime(value: Any, tz: str) -> str:
    return local_input(value, tz)


@register.inclusion_tag("journeys/canvas/config/_errors.html")
def field_error(errors: dict[str, list[str]] | None, key: str, under: bool = False):
    return {"messages": errors_under(errors, key) if under else errors_for(errors, key)}


@register.simple_tag
def canvas_graph(state):
    """The graph's cards, edges and slots (journeys.canvas.render)."""
    from journeys.canvas.render import graph_body

    return graph_body(state)
