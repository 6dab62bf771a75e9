"""Rendering a message's templates for one profile: the template context is plain data only —
`profile` (the profile as a dict), the run context (`event`, ...), and channel extras."""

from __future__ import annotations

from typing import Any

from jinja2 import TemplateError

from journeys.templating import TemplateOutputTooLarge, render_template

from .delivery import Outgoing


class RenderError(ValueError):
    """A template that cannot render: the message fails for good (retrying will not help)."""


def template_context(item: Outgoing, **extra: Any) -> dict[str, Any]:
    profile = item.profile["context"] if item.profile else {}
    return {**item.context, "profile": profile, **extra}


def render(source: str, context: dict[str, Any], *, field: str, html: bool = False) -> str:
    if not source:
        return ""
    try:
        return render_template(source, context, autoescape=html)
    except (TemplateError, TemplateOutputTooLarge) as exc:
        raise RenderError(f"{field}: {exc}") from exc
