"""Journeys for canvas tests and benchmarks: a 50-activity journey with every shape the canvas
draws (branches, a condition with three paths, a split, a reaction race with a timeout, joins)."""

from __future__ import annotations

from typing import Any

EMAIL = {"subject": "Hi {{ profile.first_name }}", "html": "<p>Hello</p>", "text": "Hello"}


def fifty_activity_document(audience_id: int) -> dict[str, Any]:
    """50 nodes: an entry, then 7 segments of 7 activities each, branching and joining."""
    nodes: list[dict[str, Any]] = [
        {
            "id": "start",
            "type": "read_audience",
            "config": {"audience": audience_id, "rate": 5000, "schedule": {"type": "once"}},
        }
    ]
    edges: list[dict[str, Any]] = []

    def add(node_id, type_, config, after=None, port=None):
        nodes.append({"id": node_id, "type": type_, "config": config})
        if after:
            edges.append({"from": after, "to": node_id} | ({"port": port} if port else {}))
        return node_id

    previous = "start"
    for seg in range(7):
        msg = add(
            f"m{seg}", "message", {"email": EMAIL | {"subject": f"Step {seg + 1}: news"}}, previous
        )
        if seg % 3 == 0:
            cond = add(
                f"c{seg}",
                "condition",
                {
                    "paths": [
                        {
                            "label": "Atlanta",
                            "rule": {"field": "profile.city", "op": "eq", "value": "Atlanta"},
                        },
                        {
                            "label": "Seattle",
                            "rule": {"field": "profile.city", "op": "eq", "value": "Seattle"},
                        },
                    ],
                    "other": True,
                },
                msg,
            )
            a = add(f"a{seg}", "wait", {"duration": "P1D"}, cond, "path-1")
            b = add(
                f"b{seg}",
                "message",
                {"push": {"title": "Hi", "body": "Seattle news"}},
                cond,
                "path-2",
            )
            o = add(f"o{seg}", "wait", {"duration": "PT6H"}, cond, "other")
            j = add(f"j{seg}", "wait", {"duration": "PT1H"}, a)
            edges.append({"from": b, "to": j})
            edges.append({"from": o, "to": j})
            previous = add(f"x{seg}", "update_profile", {"attributes": {"step": seg}}, j)
        elif seg % 3 == 1:
            r1 = add(
                f"r{seg}",
                "reaction",
                {"action": msg, "channel": "email", "reaction": "opened", "timeout": "P2D"},
                msg,
            )
            r2 = add(
                f"k{seg}",
                "reaction",
                {"action": msg, "channel": "email", "reaction": "clicked"},
                msg,
            )
            t = add(f"t{seg}", "message", {"email": EMAIL | {"subject": "Reminder"}}, r1, "timeout")
            w = add(f"w{seg}", "wait", {"duration": "PT2H"}, r1)
            edges.append({"from": r2, "to": w})
            edges.append({"from": t, "to": w})
            previous = add(f"x{seg}", "update_profile", {"attributes": {"engaged": True}}, w)
        else:
            s = add(f"s{seg}", "split", {"weights": [50, 50]}, msg)
            p1 = add(
                f"p{seg}", "message", {"push": {"title": "A", "body": "Variant A"}}, s, "path-1"
            )
            p2 = add(
                f"q{seg}", "message", {"push": {"title": "B", "body": "Variant B"}}, s, "path-2"
            )
            j = add(f"j{seg}", "wait", {"duration": "P1D"}, p1)
            edges.append({"from": p2, "to": j})
            e = add(f"e{seg}", "event", {"event": "purchase", "timeout": "P3D"}, j)
            previous = add(
                f"x{seg}", "message", {"push": {"title": "Thanks", "body": "Thanks!"}}, e
            )
    while len(nodes) < 50:
        previous = add(f"z{len(nodes)}", "wait", {"duration": "PT1H"}, previous)
    del nodes[50:]
    ids = {n["id"] for n in nodes}
    edges = [e for e in edges if e["from"] in ids and e["to"] in ids]
    return {
        "name": "Fifty activities",
        "namespace": "email",
        "properties": {"timezone": "UTC"},
        "nodes": nodes,
        "edges": edges,
    }
