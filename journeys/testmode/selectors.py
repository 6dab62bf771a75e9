"""Reads of test mode: which test profiles to pick, what a test run did (its log), and the path
it lit on the canvas (its flow)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from journeys import activities
from journeys.models import JourneyVersion, Message, Reaction


def journey_events(version: JourneyVersion) -> list[str]:
    """Names of the events the version uses (entry event, business event, event activities),
    in definition order: what "Trigger an event" offers."""
    names: list[str] = []
    for node in version.definition.get("nodes") or []:
        if node.get("type") in ("unitary_event", "business_event", "event"):
            name = (node.get("config") or {}).get("event")
            if isinstance(name, str) and name and name not in names:
                names.append(name)
    return names


def entry_node(version: JourneyVersion) -> dict[str, Any] | None:
    from journeys.validation import definition_entry

    return definition_entry(version.definition or {})


def audience_test_profile_ids(audience_id: Any, *, limit: int) -> list[int]:
    """The first `limit` test profiles of an audience (SQL from its rule)."""
    from audiences.models import Audience
    from audiences.selectors.audiences import audience_profiles

    audience = Audience.objects.filter(pk=audience_id).first()
    if audience is None:
        return []
    members = audience_profiles(audience=audience).filter(is_test=True).order_by("id")
    return list(members.values_list("id", flat=True)[:limit])


def profile_identity(profile_id: int, namespace: str) -> str | None:
    from audiences.models import Identity

    return (
        Identity.objects.filter(profile_id=profile_id, namespace=namespace)
        .values_list("value", flat=True)
        .first()
    )


@dataclass
class TestProfile:
    __test__ = False

    id: int
    name: str
    email: str
    in_audience: bool = True
    status: str = ""  # of its test run: active | finished | exited | error | "" (not entered)
    node: str = ""


def testable_profiles(
    version: JourneyVersion, *, search: str = "", limit: int = 50
) -> list[TestProfile]:
    """Test profiles to pick from, with where their test run is. For audience journeys the
    audience's test profiles come first (the others would be refused at entry)."""
    from audiences.models import Audience, Profile
    from audiences.selectors.audiences import audience_profiles
    from journeys.models import Run

    profiles = Profile.objects.filter(is_test=True)
    if search:
        profiles = profiles.filter(
            Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(identities__value__icontains=search)
        ).distinct()
    entry = entry_node(version) or {}
    audience_id = (entry.get("config") or {}).get("audience")
    members: set[int] | None = None
    if entry.get("type") in ("read_audience", "business_event") and audience_id:
        audience = Audience.objects.filter(pk=audience_id).first()
        if audience is not None:
            members = set(
                audience_profiles(audience=audience)
                .filter(is_test=True)
                .values_list("id", flat=True)[:500]
            )
    rows = list(profiles.order_by("id").values("id", "first_name", "last_name")[:500])
    emails = dict(_identities([row["id"] for row in rows], "email"))
    runs = {
        run["profile_id"]: run
        for run in Run.objects.filter(version_id=version.pk, is_test=True)
        .order_by("id")
        .values("profile_id", "status", "node")
    }
    found = [
        TestProfile(
            id=row["id"],
            name=f"{row['first_name']} {row['last_name']}".strip() or f"Profile {row['id']}",
            email=emails.get(row["id"], ""),
            in_audience=members is None or row["id"] in members,
            status=runs.get(row["id"], {}).get("status", ""),
            node=runs.get(row["id"], {}).get("node", ""),
        )
        for row in rows
    ]
    found.sort(key=lambda p: (not p.in_audience, not p.status, p.id))
    return found[:limit]


def _identities(profile_ids: list[int], namespace: str) -> list[tuple[int, str]]:
    from audiences.models import Identity

    return list(
        Identity.objects.filter(profile_id__in=profile_ids, namespace=namespace).values_list(
            "profile_id", "value"
        )
    )


# --- a test run: log and flow -------------------------------------------------------------------


@dataclass
class RunLog:
    """What the log panel and `GET …/test/profiles/{id}/` show for one test profile."""

    profile_id: int
    run: dict[str, Any] | None  # journeys.engine.history.run_summary, or None (never entered)
    titles: dict[str, str]
    messages: list[dict[str, Any]] = field(default_factory=list)
    flow: dict[str, str] = field(default_factory=dict)  # node id -> visited|current|failed
    edges: list[tuple[str, str]] = field(default_factory=list)  # lit connections, in order

    @property
    def status(self) -> str:
        return self.run["status"] if self.run else "not_entered"

    @property
    def errors(self) -> list[dict[str, str]]:
        if not self.run:
            return []
        found = [
            {"node": s["node"], "message": s["error"]} for s in self.run["steps"] if s["error"]
        ]
        if self.run["error"] and not any(e["message"] == self.run["error"] for e in found):
            found.append({"node": self.run["node"], "message": self.run["error"]})
        return found

    @property
    def current_title(self) -> str:
        return self.titles.get(self.run["node"], self.run["node"]) if self.run else ""

    @property
    def context_json(self) -> str:
        return json.dumps(
            (self.run or {}).get("context") or {}, indent=2, ensure_ascii=False, default=str
        )

    def flow_json(self) -> str:
        """What static/js/testmode.js lights up: node statuses and connections, in order."""
        return json.dumps({"profile": self.profile_id, "nodes": self.flow, "edges": self.edges})

    def as_api(self) -> dict[str, Any]:
        run = self.run or {}
        return {
            "profile": self.profile_id,
            "status": self.status,
            "node": run.get("node"),
            "entered_at": run.get("entered_at"),
            "ended_at": run.get("ended_at"),
            "steps": [
                {
                    "node": s["node"],
                    "type": s["type"],
                    "entered_at": s["entered_at"],
                    "left_at": s["left_at"],
                    "outcome": s["outcome"],
                    "error": s["error"] or None,
                }
                for s in run.get("steps", [])
            ],
            "context": run.get("context") or {},
            "errors": self.errors,
            "messages": [
                {
                    k: m[k]
                    for k in (
                        "id",
                        "node",
                        "channel",
                        "status",
                        "reason",
                        "sent_at",
                        "opened",
                        "clicked",
                    )
                }
                for m in self.messages
            ],
        }


def node_titles(version: JourneyVersion) -> dict[str, str]:
    """Each node's name as its canvas card shows it: its label, else what its settings say
    ("Email + Push · Welcome…"), else its activity's label. One query per kind of reference."""
    from journeys.canvas.presenter import readable
    from journeys.references import definition_references, resolve

    definition = version.definition or {}
    names = resolve(definition_references(definition))
    titles = {}
    for node in definition.get("nodes") or []:
        try:
            activity = activities.get(node["type"])
            summary = readable(activity.summary(node.get("config") or {}, names))
            kind = activity.label
        except KeyError:
            summary, kind = "", node.get("type", "")
        titles[node["id"]] = node.get("label") or summary or kind
    return titles


def run_log(version: JourneyVersion, profile_id: int) -> RunLog:
    """The latest test run of `profile_id` in `version`: steps in order, status, context,
    errors, its messages with their reactions, and the lit path (a handful of queries)."""
    from journeys.engine import history

    run = history.test_run(version_id=version.pk, profile_id=profile_id)
    log = RunLog(profile_id=profile_id, run=run, titles=node_titles(version))
    if run is None:
        return log
    log.messages = run_messages(run["id"])
    steps = run["steps"]
    for item in [*steps, *log.messages]:
        item["title"] = log.titles.get(item["node"], item["node"])
    for step in steps:
        log.flow[step["node"]] = "failed" if step["error"] else "visited"
    if run["status"] == "active":
        log.flow[run["node"]] = "current"
        if run["state"] == "listening":  # the race it waits on: the events/reactions after it
            for target in _listeners(version, run["node"]):
                log.flow.setdefault(target, "listening")
    elif run["status"] == "error":
        log.flow[run["node"]] = "failed"
    path = [s["node"] for s in steps]
    if run["node"] and (not path or path[-1] != run["node"]):
        path.append(run["node"])
    log.edges = [(a, b) for a, b in zip(path, path[1:], strict=False) if a != b]
    return log


def run_messages(run_id: int) -> list[dict[str, Any]]:
    """The run's messages, oldest first, with `opened` / `clicked` flags (two queries)."""
    messages = list(
        Message.objects.filter(run_id=run_id)
        .order_by("id")
        .values("id", "node_id", "channel", "status", "reason", "sent_at", "created_at")
    )
    kinds: dict[int, set[str]] = {}
    for message_id, kind in Reaction.objects.filter(
        message_id__in=[m["id"] for m in messages]
    ).values_list("message_id", "kind"):
        kinds.setdefault(message_id, set()).add(kind)
    return [
        {
            **m,
            "node": m["node_id"],
            "opened": "opened" in kinds.get(m["id"], set()),
            "clicked": "clicked" in kinds.get(m["id"], set()),
        }
        for m in messages
    ]


def _listeners(version: JourneyVersion, node_id: str) -> list[str]:
    types = {n["id"]: n.get("type") for n in version.definition.get("nodes") or []}
    return [
        e["to"]
        for e in version.definition.get("edges") or []
        if e.get("from") == node_id
        and (e.get("port") or "default") == "default"
        and types.get(e.get("to")) in ("event", "reaction")
    ]
