"""Node-level edits of a draft, for the canvas. Each call is one small transaction:

    result = node_add(journey=j, type="reaction", after="first", expected_revision=rev, user=u)
    result.version.revision   # the new revision, to send with the next edit
    result.report             # full validation (alerts panel, warning icons: report.for_node(id))
    result.node_id            # the node added (node_add) or changed

Steps of every edit (`_edit`): lock the draft and check `expected_revision` (None skips the
check; the canvas always sends it → RevisionConflict when another tab saved first); apply the
change to a copy of the definition; validate; a malformed result (bad value, unknown type,
51st activity…) raises DefinitionInvalid with problems whose `path` names the field
(`nodes[3].config.timeout`) and nothing is stored; otherwise store it and bump the revision.
Incomplete results (missing settings, unconnected nodes) are stored: they are drafts.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from journeys import activities
from journeys.activities import Problem
from journeys.models import Journey, JourneyVersion
from journeys.selectors import version_document
from journeys.validation import Report

from .errors import DefinitionInvalid
from .journeys import _checked, lock_draft, save_draft


@dataclass
class EditResult:
    version: JourneyVersion
    report: Report
    node_id: str | None = None


class _Definition:
    """A mutable copy of a definition with small helpers."""

    def __init__(self, definition: dict[str, Any]) -> None:
        self.data = copy.deepcopy(definition)
        self.data.setdefault("nodes", [])
        self.data.setdefault("edges", [])

    @property
    def nodes(self) -> list[dict[str, Any]]:
        return self.data["nodes"]

    @property
    def edges(self) -> list[dict[str, Any]]:
        return self.data["edges"]

    def node(self, node_id: str) -> dict[str, Any]:
        for node in self.nodes:
            if node.get("id") == node_id:
                return node
        raise DefinitionInvalid(
            f"there is no node {node_id!r}",
            [Problem("ERR_EDGE_ENDPOINT", f"there is no node {node_id!r}", "nodes", node_id)],
        )

    def new_id(self, type_: str) -> str:
        taken = {node.get("id") for node in self.nodes}
        if type_ not in taken:
            return type_
        number = 2
        while f"{type_}_{number}" in taken:
            number += 1
        return f"{type_}_{number}"

    def find_edge(self, source: str, target: str, port: str) -> int | None:
        for index, edge in enumerate(self.edges):
            if (
                edge.get("from") == source
                and edge.get("to") == target
                and (edge.get("port") or "default") == port
            ):
                return index
        return None


def edge(source: str, target: str, port: str = "default") -> dict[str, str]:
    """An edge as the contract writes it (`port` omitted for `default`)."""
    return (
        {"from": source, "to": target}
        if port == "default"
        else {"from": source, "to": target, "port": port}
    )


def _edit(
    journey: Journey,
    expected_revision: int | None,
    user,
    change: Callable[[_Definition], str | None],
) -> EditResult:
    with transaction.atomic():
        version = lock_draft(journey, expected_revision=expected_revision)
        draft = _Definition(version.definition)
        node_id = change(draft)
        document = version_document(version) | {"nodes": draft.nodes, "edges": draft.edges}
        report = _checked(document, journey=version.journey, version=version)
        save_draft(version, definition=draft.data, user=user)
    return EditResult(version=version, report=report, node_id=node_id)


def node_add(
    *,
    journey: Journey,
    type: str,
    after: str | None = None,
    port: str = "default",
    before: str | None = None,
    config: dict[str, Any] | None = None,
    expected_revision: int | None = None,
    user=None,
) -> EditResult:
    """Add a node of `type` (default config from its activity unless `config` is given).

    - `after` (+ `port`): connect `after --port--> new` (a drop slot, or "+" on a node: a
      second edge from the same port opens a parallel path, e.g. racing reactions);
    - `before`: connect `new --default--> before`; with `after` too, the new node is inserted
      on the existing edge `after --port--> before` (which is replaced);
    - neither: a free node (e.g. the entry of an empty journey)."""
    if type not in activities.REGISTRY:
        raise DefinitionInvalid(
            f"unknown activity type {type!r}",
            [Problem("ERR_NODE_TYPE", f"unknown activity type {type!r}", "type")],
        )

    def change(draft: _Definition) -> str:
        activity = activities.get(type)
        previous = draft.node(after) if after else None
        node_id = draft.new_id(type)
        node_config = config if config is not None else activity.default_config(previous=previous)
        draft.nodes.append({"id": node_id, "type": type, "config": node_config})
        if before:
            draft.node(before)
            if after:
                existing = draft.find_edge(after, before, port)
                if existing is not None:
                    del draft.edges[existing]
            exits = activity.ports(node_config)
            if not exits:
                raise DefinitionInvalid(
                    f"{activity.label} ends the journey: nothing can come after it",
                    [
                        Problem(
                            "ERR_END_HAS_NEXT",
                            f"{activity.label} ends the journey",
                            "before",
                            node_id,
                        )
                    ],
                )
            draft.edges.append(edge(node_id, before, exits[0].name))
        if after:
            draft.edges.append(edge(after, node_id, port))
        return node_id

    return _edit(journey, expected_revision, user, change)


def node_connect(
    *,
    journey: Journey,
    source: str,
    target: str,
    port: str = "default",
    expected_revision: int | None = None,
    user=None,
) -> EditResult:
    """Connect `source --port--> target` (e.g. join three paths on one event)."""

    def change(draft: _Definition) -> str:
        draft.node(source)
        draft.node(target)
        if draft.find_edge(source, target, port) is None:
            draft.edges.append(edge(source, target, port))
        return source

    return _edit(journey, expected_revision, user, change)


def node_disconnect(
    *,
    journey: Journey,
    source: str,
    target: str,
    port: str = "default",
    expected_revision: int | None = None,
    user=None,
) -> EditResult:
    """Delete the connection `source --port--> target` (no-op if it is not there)."""

    def change(draft: _Definition) -> str:
        index = draft.find_edge(source, target, port)
        if index is not None:
            del draft.edges[index]
        return source

    return _edit(journey, expected_revision, user, change)


def node_delete(
    *, journey: Journey, node_id: str, expected_revision: int | None = None, user=None
) -> EditResult:
    """Delete a node and its connections. In a chain (exactly one connection in and one out)
    the neighbours are joined so the path stays whole. Reactions pointing at a deleted message
    keep their setting (validation reports it)."""

    def change(draft: _Definition) -> None:
        node = draft.node(node_id)
        incoming = [e for e in draft.edges if e.get("to") == node_id]
        outgoing = [e for e in draft.edges if e.get("from") == node_id]
        draft.nodes.remove(node)
        draft.data["edges"] = [
            e for e in draft.edges if node_id not in (e.get("from"), e.get("to"))
        ]
        if len(incoming) == 1 and len(outgoing) == 1:
            bridge = edge(
                incoming[0]["from"], outgoing[0]["to"], incoming[0].get("port") or "default"
            )
            if draft.find_edge(bridge["from"], bridge["to"], bridge.get("port", "default")) is None:
                draft.edges.append(bridge)
        return None

    return _edit(journey, expected_revision, user, change)


def node_update(
    *,
    journey: Journey,
    node_id: str,
    config: dict[str, Any] | None = None,
    label: str | None = None,
    expected_revision: int | None = None,
    user=None,
) -> EditResult:
    """Replace a node's config (whole object, as the side panel sends it) and/or its label
    ("" removes the label). Connections from exits the new config no longer has are kept
    and reported (ERR_EDGE_PORT) so nothing is silently lost."""

    def change(draft: _Definition) -> str:
        node = draft.node(node_id)
        if config is not None:
            node["config"] = config
        if label is not None:
            if label.strip():
                node["label"] = label.strip()
            else:
                node.pop("label", None)
        return node_id

    return _edit(journey, expected_revision, user, change)
