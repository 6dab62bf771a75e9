"""What the canvas page draws, built from one journey version: the laid-out graph with a card
per node (activity look, summary, problems, decorations), the validation report, the palette
and the state of the top bar. Templates only read a `CanvasState`.

Steps of `canvas_state(version, user=...)`:
1. resolve what the definition refers to (names for summaries; one query per kind);
2. validate the document (errors, warnings, per node) unless a report is passed in;
3. lay the graph out (journeys.canvas.layout) with each node's ports from its activity;
4. ask the registered decoration providers (test mode, live report) for node badges.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import quote

from journeys import activities
from journeys.activities import Activity, Problem
from journeys.models import Journey, JourneyVersion, VersionStatus
from journeys.references import Resolved, definition_references, resolve
from journeys.selectors import version_report
from journeys.services import PERMISSION_REASON, can_publish
from journeys.validation import Report

from . import decorations as decorations_registry
from .layout import Layout, PlacedNode, layout

_TEMPLATE_EXPR = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)[^}]*\}\}")


def readable(text: str) -> str:
    """Template code in a one-line summary reads as a placeholder: `{{ profile.first_name |
    default('x') }}` → `‹first_name›`."""
    return _TEMPLATE_EXPR.sub(lambda m: "‹" + m.group(1).rsplit(".", 1)[-1] + "›", text)


@dataclass
class NodeCard:
    """One node as drawn: position (from the layout) plus how it looks."""

    placed: PlacedNode
    activity: Activity
    label: str  # the name the marketer gave the node ("" if none)
    summary: str  # what its settings say ("Push opened · timeout 1 day")
    problems: list[Problem]
    decoration: decorations_registry.Decoration | None = None
    panel_url: str = ""
    branch_url: str = ""

    @property
    def title(self) -> str:
        """The card's main line: its name, else what it does, else its kind."""
        return self.label or self.summary or self.activity.label

    @property
    def subtitle(self) -> str:
        return self.summary if self.label else ""

    @property
    def problem_text(self) -> str:
        return "\n".join(p.message for p in self.problems)

    @property
    def opens_paths(self) -> bool:
        """ "+" opens a new path from the default exit (conditions and splits have their own)."""
        return bool(self.placed.ports) and self.placed.ports[0].name == "default"

    @property
    def id(self) -> str:
        return self.placed.id

    @property
    def has_errors(self) -> bool:
        return any(not p.is_warning for p in self.problems)

    @property
    def has_warnings(self) -> bool:
        return any(p.is_warning for p in self.problems)


@dataclass(frozen=True)
class CanvasUrls:
    """The canvas's endpoints for one version, reversed once per render (not per node)."""

    node_prefix: str  # + node id + "/" → its settings panel
    graph: str
    disconnect: str

    @classmethod
    def for_version(cls, version_id: int) -> CanvasUrls:
        from django.urls import reverse

        return cls(
            node_prefix=reverse("journeys:canvas_node", args=[version_id, "_"])[:-2],
            graph=reverse("journeys:canvas_graph", args=[version_id]),
            disconnect=reverse("journeys:canvas_disconnect", args=[version_id]),
        )


@dataclass
class CanvasState:
    version: JourneyVersion
    journey: Journey
    report: Report
    graph: Layout
    cards: list[NodeCard]
    names: Resolved
    editable: bool
    can_publish: bool
    publish_reason: str
    branch: str | None = None
    urls: CanvasUrls | None = None

    @cached_property
    def versions(self) -> list[JourneyVersion]:
        """Every version of the journey (the top bar's version menu); read when drawn."""
        return list(self.journey.versions.order_by("-number").only("id", "number", "status"))

    @property
    def errors(self) -> list[Problem]:
        return self.report.errors

    @property
    def warnings(self) -> list[Problem]:
        return self.report.warnings

    @property
    def is_empty(self) -> bool:
        return not self.cards

    @property
    def palette(self) -> list[tuple[str, str, list[Activity]]]:
        return activities.palette()

    @property
    def titles(self) -> dict[str, str]:
        return {c.id: c.title for c in self.cards}

    def card(self, node_id: str) -> NodeCard | None:
        return next((c for c in self.cards if c.id == node_id), None)


def _ports_of(node: dict[str, Any]) -> list[tuple[str, str]]:
    try:
        activity = activities.get(node["type"])
    except KeyError:
        return [("default", "")]
    return [(port.name, port.label) for port in activity.ports(node.get("config") or {})]


def publish_state(version: JourneyVersion, report: Report, user) -> tuple[bool, str]:
    """Whether Publish is enabled, and if not, the reason shown on the disabled button."""
    if version.status != VersionStatus.DRAFT and version.status != VersionStatus.TEST:
        return False, f"This version is {version.get_status_display().lower()}."
    if not can_publish(user):
        return False, PERMISSION_REASON
    if not report.valid:
        count = len(report.errors)
        return False, f"Fix the {count} error{'s' if count != 1 else ''} in the alerts panel first."
    return True, ""


def canvas_state(
    version: JourneyVersion, *, user=None, branch: str | None = None, report: Report | None = None
) -> CanvasState:
    """Build everything the canvas draws for `version` (see the module docstring)."""
    definition = version.definition or {}
    refs = definition_references(definition)
    refs.events = set()  # cards show event names as written: no need to look them up
    names = resolve(refs)
    report = report if report is not None else version_report(version)
    editable = version.status == VersionStatus.DRAFT
    graph = layout(
        definition.get("nodes") or [],
        definition.get("edges") or [],
        _ports_of,
        branch=branch if editable else None,
        editable=editable,
    )
    problems_by_node: dict[str, list[Problem]] = {}
    for problem in report.problems:
        if problem.node:
            problems_by_node.setdefault(problem.node, []).append(problem)
    raw = {n["id"]: n for n in definition.get("nodes") or []}
    node_decorations = decorations_registry.collect(version)
    urls = CanvasUrls.for_version(version.pk)
    cards = []
    for placed in graph.nodes:
        activity = activities.get(placed.type)
        cards.append(
            NodeCard(
                placed=placed,
                activity=activity,
                label=raw[placed.id].get("label") or "",
                summary=readable(activity.summary(placed.config, names)),
                problems=problems_by_node.get(placed.id, []),
                decoration=node_decorations.get(placed.id),
                panel_url=f"{urls.node_prefix}{quote(placed.id)}/",
                branch_url=f"{urls.graph}?branch={quote(placed.id)}",
            )
        )
    can_publish, reason = publish_state(version, report, user)
    return CanvasState(
        version=version,
        journey=version.journey,
        report=report,
        graph=graph,
        cards=cards,
        names=names,
        editable=editable,
        can_publish=can_publish,
        publish_reason=reason,
        branch=branch if editable else None,
        urls=urls,
    )
