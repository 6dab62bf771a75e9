"""Counts on the canvas's node cards (journeys.canvas.decorations): a published version shows its
live figures, a version in test mode its test runs' figures. One report per render."""

from __future__ import annotations

from typing import Any

from journeys.canvas import decorations
from journeys.models import VersionStatus

from .selectors import REPORTED_STATUSES, journey_report


def report_decorations(version: Any) -> dict[str, decorations.Decoration]:
    if version.status in REPORTED_STATUSES:
        is_test = False
    elif version.status == VersionStatus.TEST:
        is_test = True
    else:
        return {}
    report = journey_report(version_ids=[version.pk], is_test=is_test)
    found = {}
    for node_id, figures in report.nodes.items():
        counts: list[tuple[str, int | str]] = []
        details = [f"{figures.entered} entered", f"{figures.exited} exited", f"{figures.errors} errors"]
        if figures.messages is not None:
            counts.append(("sent", figures.messages["sent"]))
            counts.append(("opened", figures.messages["opened"]))
            if figures.messages["clicked"]:
                counts.append(("clicked", figures.messages["clicked"]))
            details += [f"{figures.messages[k]} {k}" for k in ("sent", "excluded", "failed", "opened", "clicked")]
        else:
            counts.append(("in", figures.entered))
        if figures.errors:
            counts.append(("errors", figures.errors))
        prefix = "Test runs: " if is_test else ""
        found[node_id] = decorations.Decoration(counts=counts, title=prefix + " · ".join(details))
    return found


def register() -> None:
    decorations.register(report_decorations)
