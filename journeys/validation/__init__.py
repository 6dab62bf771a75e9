"""Validation of a journey definition: errors and warnings with stable codes (journeys/codes.py,
docs/journey-validation.md).

    report = validate_document(doc)             # doc = the contract's JSON (name, nodes, edges…)
    report.as_dict()  # {"valid": bool, "errors": [{"code", "node", "message", "path"}], "warnings": […]}
    report.malformed  # the errors that forbid saving at all (API 400, canvas refuses the edit)

Steps, one module each:
- document.py (1-3): the document's shape and properties, each node's shape and settings
  through its activity module, the edges;
- flow.py (4): one entry first, entry-type rules, reachability, cycles, races and timeouts,
  reactions after their message, the journey timeout;
- referenced.py (5): audiences, events, custom actions and journeys referred to (one query per
  kind), condition rules against the journey palette, namespace consistency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from journeys import activities, codes
from journeys.activities import Problem

from . import referenced
from .document import (
    READ_ONLY_KEYS,
    check_document_keys,
    check_edges,
    check_nodes,
    check_properties,
    parse_properties,
)
from .flow import check_graph
from .graph import Graph

__all__ = [
    "READ_ONLY_KEYS",
    "Graph",
    "Report",
    "definition_entry",
    "entry_type_of",
    "parse_properties",
    "validate_document",
]


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.is_warning]

    @property
    def malformed(self) -> list[Problem]:
        return [p for p in self.problems if p.blocks_save]

    @property
    def valid(self) -> bool:
        return not self.errors

    def for_node(self, node_id: str) -> list[Problem]:
        return [p for p in self.problems if p.node == node_id]

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "errors": [p.as_dict() for p in self.errors],
            "warnings": [p.as_dict() for p in self.warnings],
        }


def validate_document(
    doc: Any,
    *,
    previous_entry_type: str | None = None,
    journey_id: int | None = None,
    check_references: bool = True,
) -> Report:
    """Validate the contract's JSON document (see module docstring for the steps).

    `previous_entry_type`: the entry type of the journey's published versions (it cannot
    change); `journey_id`: the journey being validated (a jump may not target it)."""
    report = Report()
    add = report.problems.append
    if not isinstance(doc, dict):
        add(Problem(codes.ERR_DEFINITION_SHAPE, "the definition must be a JSON object", ""))
        return report
    check_document_keys(doc, add)
    check_properties(doc.get("properties"), add)
    graph = check_nodes(doc.get("nodes"), add)
    check_edges(doc.get("edges"), graph, add)
    check_graph(graph, add, previous_entry_type)
    if check_references:
        referenced.check_references(doc, graph, add, journey_id)
    return report


def definition_entry(definition: dict[str, Any]) -> dict[str, Any] | None:
    """The entry node of a definition (the first entry-type node without incoming edges)."""
    nodes = [n for n in definition.get("nodes") or [] if isinstance(n, dict)]
    targets = {e.get("to") for e in definition.get("edges") or [] if isinstance(e, dict)}
    candidates = [n for n in nodes if n.get("type") in activities.ENTRY_TYPES]
    for node in candidates:
        if node.get("id") not in targets:
            return node
    return candidates[0] if candidates else None


def entry_type_of(definition: dict[str, Any]) -> str:
    entry = definition_entry(definition)
    return entry["type"] if entry else ""
