"""The well-formed part of a definition, indexed for the checks."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from journeys import activities


@dataclass
class Graph:
    """The well-formed part of a definition: nodes by id, edges by source."""

    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> node
    index: dict[str, int] = field(default_factory=dict)  # id -> position in `nodes`
    edges: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    successors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    predecessors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_port: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))

    def activity(self, node_id: str) -> activities.Activity:
        return activities.get(self.nodes[node_id]["type"])

    def config(self, node_id: str) -> dict[str, Any]:
        return self.nodes[node_id].get("config") or {}

    def path(self, node_id: str, key: str = "") -> str:
        base = f"nodes[{self.index[node_id]}]"
        return f"{base}.config.{key}" if key else base
