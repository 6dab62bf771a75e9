"""Journey documents for tests (the contract's JSON) and small builders."""

from __future__ import annotations

import copy
from typing import Any

from journeys.demo import seed_definition


def seed_document(audience_id: int) -> dict[str, Any]:
    return copy.deepcopy(seed_definition(audience_id))


def doc(nodes: list[dict], edges: list[dict] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "name": "Test journey",
        "namespace": "email",
        "nodes": nodes,
        "edges": edges or [],
        **extra,
    }


def node(node_id: str, type_: str, **config: Any) -> dict[str, Any]:
    return {"id": node_id, "type": type_, "config": config}


def e(source: str, target: str, port: str | None = None) -> dict[str, str]:
    return {"from": source, "to": target} | ({"port": port} if port else {})


def chain(audience_id: int, *nodes: dict[str, Any]) -> dict[str, Any]:
    """read_audience → nodes… in a line."""
    start = node("start", "read_audience", audience=audience_id)
    all_nodes = [start, *nodes]
    edges = [e(a["id"], b["id"]) for a, b in zip(all_nodes, all_nodes[1:], strict=False)]
    return doc(all_nodes, edges)


EMAIL = {"subject": "Hi {{ profile.first_name }}", "html": "<p>Hello</p>", "text": "Hello"}
PUSH = {"title": "Hi", "body": "Hello"}


def make_event_configuration(name: str, *, type: str = "unitary", namespace: str = "email"):
    """An event configuration named `name` (created or replaced), with an `email` field and,
    for unitary events, that namespace."""
    from events.models import EventConfiguration

    unitary = type == "unitary"
    config, _ = EventConfiguration.objects.update_or_create(
        name=name,
        defaults={
            "type": type,
            "id_type": "rule_based",
            "fields": [{"path": "email", "type": "string", "required": unitary}],
            "condition": {"field": "email", "op": "is_set"},
            "namespace": namespace if unitary else "",
            "profile_id_field": "email" if unitary else "",
        },
    )
    return config
