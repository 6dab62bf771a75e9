"""Counts on the canvas's node cards (journeys.canvas.decorations): a published version shows its
live figures (test runs never count). One report per render."""

from __future__ import annotations

from typing import Any

from journeys.canvas import decorations

from .selectors import REPORTED_STATUSES, journey_report


def report_decorations(version: Any) -> dict[str, decorations.Decoration]:
    if version.status not in REPORTED_STATUSES:
        return {}  # drafts have no figures; test mode lights one profile's path instead
    report = journey_report(version_ids=[version.pk])
    found = {}
    for node_id, figures in report.nodes.items():
        counts: list[tuple[str, int | str]] = []
        details = [
            f"{figures.entered} entered",
            f"{figures.exited} exited",
            f"{figures.errors} errors",
        ]
        if figures.messages is not None:
            counts.append(("sent", figures.messages["sent"]))
            counts.append(("opened", figures.messages["opened"]))
            if figures.messages["clicked"]:
                counts.append(("clicked", figures.messages["clicked"]))
            details += [
                f"{figures.messages[k]} {k}"
                for k in ("sent", "excluded", "failed", "opened", "clicked")
            ]
        else:
            counts.append(("in", figures.entered))
        if figures.errors:
            counts.append(("errors", figures.errors))
        found[node_id] = decorations.Decoration(counts=counts, title=" · ".join(details))
    return found


def register() -> None:
    decorations.register(report_decorations)
