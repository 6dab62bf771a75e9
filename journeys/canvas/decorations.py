"""Node decorations: how other parts (test mode's visual flow, the live report) put counts and a
status on the canvas's node cards without touching the canvas code.

    from journeys.canvas import decorations

    def report_badges(version):            # called on every canvas render of `version`
        return {"first": decorations.Decoration(counts=[("sent", 120), ("opened", 43)])}

    decorations.register(report_badges)    # e.g. in an AppConfig.ready()

A provider returns `{node_id: Decoration}` (or {} when it has nothing for this version). The
node card shows `counts` as small figures under the summary, `status` as a CSS modifier
(`node--visited`, `node--current`, `node--failed`) and `title` as the tooltip of the badge.
Live refresh: re-request the graph fragment (`journeys:canvas_graph`), which calls the providers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

STATUSES = ("visited", "current", "failed", "idle")


@dataclass
class Decoration:
    counts: list[tuple[str, int | str]] = field(default_factory=list)
    status: str = ""  # one of STATUSES, or "" for none
    title: str = ""


Provider = Callable[[Any], dict[str, Decoration]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Add a provider (idempotent); usable as a decorator."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def unregister(provider: Provider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def collect(version: Any) -> dict[str, Decoration]:
    """Every provider's decorations for `version`, merged (later providers add counts)."""
    merged: dict[str, Decoration] = {}
    for provider in _providers:
        for node_id, decoration in (provider(version) or {}).items():
            current = merged.get(node_id)
            if current is None:
                merged[node_id] = Decoration(
                    list(decoration.counts), decoration.status, decoration.title
                )
            else:
                current.counts.extend(decoration.counts)
                current.status = decoration.status or current.status
                current.title = decoration.title or current.title
    return merged
