"""Panels on the profile detail page contributed by other apps (journeys: a profile's journey
runs, step history and messages) without `audiences` importing them.

    from audiences.panels import register
    register("Journeys", render_journey_panel, order=10)   # in the app's AppConfig.ready()

    def render_journey_panel(request, profile) -> str | None:
        return render_to_string("journeys/profile_panel.html", {...}, request=request)

The callable returns HTML (rendered from a template, so escaped) or None to show nothing.
Panels appear in `order`, then registration order, each in a card titled `title`. A panel
that raises is logged and shown as unavailable: one broken panel never breaks the page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

logger = logging.getLogger(__name__)

PanelRenderer = Callable[[HttpRequest, object], "str | None"]


@dataclass(frozen=True)
class Panel:
    title: str
    render: PanelRenderer
    order: int = 100


@dataclass(frozen=True)
class RenderedPanel:
    title: str
    html: SafeString
    failed: bool = False


_panels: list[Panel] = []


def register(title: str, render: PanelRenderer, *, order: int = 100) -> None:
    """Add a panel (idempotent for the same title and callable)."""
    if any(p.title == title and p.render == render for p in _panels):
        return
    _panels.append(Panel(title=title, render=render, order=order))


def unregister(title: str) -> None:
    _panels[:] = [p for p in _panels if p.title != title]


def render_panels(request: HttpRequest, profile: object) -> list[RenderedPanel]:
    rendered: list[RenderedPanel] = []
    for panel in sorted(_panels, key=lambda p: p.order):
        try:
            html = panel.render(request, profile)
        except Exception:
            logger.exception("profile panel %r failed", panel.title)
            rendered.append(RenderedPanel(panel.title, mark_safe(""), failed=True))
            continue
        if html:
            rendered.append(RenderedPanel(panel.title, mark_safe(html)))  # noqa: S308 - renderer's HTML
    return rendered
