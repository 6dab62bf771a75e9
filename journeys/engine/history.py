"""Reading what happened: a profile's runs with their steps (support's "what happened to this
customer?", the profile page, test mode's log) and a version's counts (reports)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from journeys.engine.walker import PARKED_STATES, has_open_step


def profile_runs(*, profile_id: int, limit: int = 20) -> list[dict[str, Any]]:
    """The profile's latest runs, newest first, each with its steps in order."""
    from journeys.models import Run, Step

    runs = list(
        Run.objects.filter(profile_id=profile_id)
        .select_related("journey", "version")
        .order_by("-entered_at", "-id")[:limit]
    )
    steps: dict[int, list[Step]] = {}
    for step in Step.objects.filter(run_id__in=[run.id for run in runs]).order_by("id"):
        steps.setdefault(step.run_id, []).append(step)
    return [run_summary(run, steps.get(run.id, [])) for run in runs]


def run_summary(run: Any, steps: list[Any]) -> dict[str, Any]:
    return {
        "id": run.id,
        "journey_id": run.journey_id,
        "journey": str(getattr(run, "journey", "")),
        "version_id": run.version_id,
        "status": run.status,
        "node": run.node,
        "state": run.state,
        "is_test": run.is_test,
        "entered_at": run.entered_at,
        "ended_at": run.ended_at,
        "error": run.error,
        "exit_reason": run.exit_reason,
        "context": run.context,
        "steps": _entry_step(run, steps)
        + [
            {
                "node": s.node,
                "type": s.node_type,
                "entered_at": s.entered_at,
                "left_at": s.left_at,
                "outcome": s.outcome,
                "error": s.error,
            }
            for s in steps
        ]
        + _parked_step(run),
    }


def _parked_step(run: Any) -> list[dict[str, Any]]:
    """A run parked at a node has no step row for it until it leaves (engine/walker.py): the
    open step comes from the run (node, since `updated_at`)."""
    node = next(
        (n for n in (run.version.definition or {}).get("nodes", []) if n.get("id") == run.node),
        {},
    )
    if run.status != "active" or not has_open_step(run.state, node.get("type", "")):
        return []
    return [
        {
            "node": run.node,
            "type": node.get("type", ""),
            "entered_at": run.updated_at,
            "left_at": None,
            "outcome": "",
            "error": "",
        }
    ]


def parked_per_node(runs: Any, definitions: dict[int, dict]) -> dict[str, int]:
    """Runs per node with their step still open (parked there, `has_open_step`), from a Run
    queryset (one grouped query) and the definitions of its versions by id."""
    counts: dict[str, int] = {}
    for version_id, node, state, count in (
        runs.filter(status="active", state__in=PARKED_STATES)
        .values("version_id", "node", "state")
        .annotate(n=Count("id"))
        .values_list("version_id", "node", "state", "n")
    ):
        if has_open_step(state, node_types(definitions.get(version_id)).get(node, "")):
            counts[node] = counts.get(node, 0) + count
    return counts


def node_types(definition: dict[str, Any] | None) -> dict[str, str]:
    return {n.get("id"): n.get("type", "") for n in (definition or {}).get("nodes", [])}


def _entry_step(run: Any, steps: list[Any]) -> list[dict[str, Any]]:
    """The entry activity, left as soon as entered, has no Step row (the run is its record):
    history shows it first, from the run."""
    entry = _entry_node(run.version.definition)
    first = steps[0].node if steps else (run.node if _parked_step(run) else None)
    if entry is None or first == entry["id"]:  # its step is a row (or open: parked there)
        return []
    return [
        {
            "node": entry["id"],
            "type": entry["type"],
            "entered_at": run.entered_at,
            "left_at": run.entered_at,
            "outcome": "default",
            "error": "",
        }
    ]


def _entry_node(definition: dict[str, Any]) -> dict[str, Any] | None:
    from journeys.engine.plan import ENTRY_TYPES

    return next(
        (n for n in (definition or {}).get("nodes", []) if n.get("type") in ENTRY_TYPES), None
    )


def test_run(*, version_id: int, profile_id: int) -> dict[str, Any] | None:
    """The latest test run of a profile in a version, with steps (test mode's log)."""
    from journeys.models import Run

    run = (
        Run.objects.filter(version_id=version_id, profile_id=profile_id, is_test=True)
        .order_by("-id")
        .first()
    )
    if run is None:
        return None
    return run_summary(run, list(run.steps.order_by("id")))


def version_counts(*, version_id: int, is_test: bool = False) -> dict[str, Any]:
    """`{"entered", "exited", "errors", "discarded", "active", "nodes": {id: {"entered",
    "exited", "errors"}}}` — runs entered/ended, steps per node, discarded entries."""
    from journeys.models import EntryDiscard, Run, Step

    runs = Run.objects.filter(version_id=version_id, is_test=is_test).aggregate(
        entered=Count("id"),
        active=Count("id", filter=Q(status="active")),
        exited=Count("id", filter=~Q(status="active")),
        errors=Count("id", filter=Q(status="error")),
    )
    nodes: dict[str, dict[str, int]] = {}
    per_node = (
        Step.objects.filter(version_id=version_id, run__is_test=is_test)
        .values("node")
        .annotate(
            entered=Count("id"),
            exited=Count("id", filter=Q(left_at__isnull=False)),
            errors=Count("id", filter=~Q(error="")),
        )
    )
    for row in per_node:
        nodes[row["node"]] = {
            "entered": row["entered"],
            "exited": row["exited"],
            "errors": row["errors"],
        }
    from journeys.models import JourneyVersion

    definition = JourneyVersion.objects.values_list("definition", flat=True).get(pk=version_id)
    runs_of_version = Run.objects.filter(version_id=version_id, is_test=is_test)
    for node, count in parked_per_node(runs_of_version, {version_id: definition}).items():
        figures = nodes.setdefault(node, {"entered": 0, "exited": 0, "errors": 0})
        figures["entered"] += count
    entry = _entry_node(definition)
    if entry is not None and entry["id"] not in nodes:  # left at once: counted from the runs
        nodes[entry["id"]] = {"entered": runs["entered"], "exited": runs["entered"], "errors": 0}
    discarded = sum(
        EntryDiscard.objects.filter(version_id=version_id, is_test=is_test).values_list(
            "count", flat=True
        )
    )
    return {**runs, "discarded": discarded, "nodes": nodes}


def discard_reasons(*, version_id: int, is_test: bool = False) -> dict[str, int]:
    from journeys.models import EntryDiscard

    return dict(
        EntryDiscard.objects.filter(version_id=version_id, is_test=is_test).values_list(
            "reason", "count"
        )
    )


def render_profile_panel(request: Any, profile: Any) -> str:
    """The profile page's "Journeys" panel: each run and its step history (audiences.panels)."""
    from django.template.loader import render_to_string

    return render_to_string(
        "journeys/engine/profile_panel.html",
        {"runs": profile_runs(profile_id=profile.pk)},
        request=request,
    )
