"""Where the engine meets the other parts of the product: journey versions (definition and
properties), the channels layer (messages, custom actions), profiles (records for conditions,
updates and their change notifications) and event configurations. Kept in one small module so
each seam is visible and the rest of the engine depends only on these functions.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from journeys import sql

if TYPE_CHECKING:
    from journeys.engine.plan import Node, Plan
    from journeys.engine.walker import RunRow, Walk

logger = logging.getLogger(__name__)

PROFILE_COLUMNS = (
    "first_name",
    "last_name",
    "city",
    "birth_year",
    "timezone",
    "phone",
    "consent_email",
    "consent_push",
    "consent_sms",
    "is_test",
)


# --- journey versions --------------------------------------------------------------------------
def version_properties(version: Any) -> dict[str, Any]:
    """The journey's properties as the engine reads them: the typed columns the journeys
    services derive from the written properties (re-entrance, wait, dates, time zone)."""
    journey = version.journey
    return {
        "reentrance": {"allowed": journey.reentrance_allowed, "wait": journey.reentrance_wait},
        "timezone": journey.timezone or "UTC",
        "start": journey.start_at,
        "end": journey.end_at,
    }


def version_test_wait_seconds(version: Any) -> float | None:
    """In test mode every wait and timeout lasts the chosen `wait_seconds`."""
    if version.status != "test":
        return None
    seconds = getattr(version, "test_wait_seconds", None) or getattr(version, "wait_seconds", None)
    return float(seconds) if seconds else 10.0


_plans: dict[int, tuple[float, Plan]] = {}
PLAN_CACHE_SECONDS = 5.0  # a published definition never changes; its status may (see below)


def plan_by_version_id(version_id: int) -> Plan:
    """The plan of a version, cached a few seconds per process: events and timers move runs of
    the same few versions all day. Decisions on entries re-read the status (entry_versions)."""
    now = time.monotonic()
    cached = _plans.get(version_id)
    if cached is not None and now - cached[0] < PLAN_CACHE_SECONDS:
        return cached[1]
    from journeys.engine.plan import plan_for
    from journeys.models import JourneyVersion

    plan = plan_for(JourneyVersion.objects.select_related("journey").get(pk=version_id))
    _plans[version_id] = (now, plan)
    return plan


def forget_plans() -> None:
    """Drop cached plans (lifecycle hooks: a status changed in this process)."""
    _plans.clear()


def entry_versions(statuses: tuple[str, ...] = ("live", "test")) -> list[Plan]:
    """Plans of every version that takes entries now (live, or in test mode)."""
    from journeys.engine.plan import plan_for
    from journeys.models import JourneyVersion

    versions = JourneyVersion.objects.filter(status__in=statuses).select_related("journey")
    return [plan_for(version) for version in versions]


def jump_target(journey_id: Any, *, is_test: bool) -> Plan:
    """The version of journey `journey_id` a jump enters: its live one (its test one from a
    test run); a journey that takes no entries is the jump's error."""
    from journeys.engine.plan import plan_for
    from journeys.models import JourneyVersion

    status = "test" if is_test else "live"
    version = (
        JourneyVersion.objects.filter(journey_id=journey_id, status=status)
        .select_related("journey")
        .first()
    )
    if version is None:
        raise LookupError(f"journey {journey_id} has no {status} version to jump into")
    plan = plan_for(version)
    if plan.entry.type != "unitary_event":
        raise LookupError(f"journey {journey_id} does not start with a unitary event")
    return plan


# --- channels -----------------------------------------------------------------------------------
def enqueue_messages(walk: Walk, node: Node, runs: list[RunRow]) -> None:
    """One outbox message per channel of the node and run (key `run:<id>:<node>:<channel>`),
    set-based — one INSERT … SELECT per channel, each row with its run's context — in this
    transaction; keys already there are left alone, so a replayed batch sends nothing twice."""
    from journeys import channels as outbox

    contexts = walk.contexts(runs)
    for channel in ("email", "push", "sms"):
        if channel not in node.config:
            continue
        content_id = outbox.content_ensure(channel=channel, body=node.config[channel])
        if sql.is_sqlite():  # the embedded demo: one writer, small batches
            for run in runs:
                outbox.message_request(
                    key=outbox.message_key(run_id=run.id, node_id=node.id, channel=channel),
                    channel=channel,
                    profile_id=run.profile_id,
                    content_id=content_id,
                    run_id=run.id,
                    node_id=node.id,
                    journey_version_id=walk.plan.version_id,
                    is_test=walk.plan.is_test,
                    context=contexts[run.id] or None,
                )
            continue
        if walk.has_shared_context():
            shared = walk.context(runs[0].id)
            rows_sql = "%s::jsonb FROM unnest(%s::bigint[], %s::bigint[]) AS r(id, pid)"
            rows_params: list[Any] = [sql.json_param(shared) if shared else None]
        else:
            rows_sql = (
                "r.ctx FROM unnest(%s::bigint[], %s::bigint[], %s::jsonb[]) AS r(id, pid, ctx)"
            )
            rows_params = []
        params = [
            node.id,
            channel,
            *rows_params,
            [run.id for run in runs],
            [run.profile_id for run in runs],
        ]
        if not walk.has_shared_context():
            params.append(
                [sql.json_param(contexts[run.id]) if contexts[run.id] else None for run in runs]
            )
        outbox.messages_enqueue_from_select(
            sql="SELECT 'run:' || lpad(r.id::text, 12, '0') || ':' || %s || ':' || %s AS key, r.pid AS profile_id, r.id AS run_id, "
            f"{rows_sql.replace(' FROM', ' AS context FROM', 1)}",
            params=params,
            channel=channel,
            content_id=content_id,
            node_id=node.id,
            journey_version_id=walk.plan.version_id,
            is_test=walk.plan.is_test,
            has_context=True,
            new_keys=walk.all_new(runs),
        )


def request_actions(walk: Walk, node: Node, runs: list[RunRow]) -> None:
    """One custom action call per run through the channels layer (key `run:<id>:<node>:action`)."""
    from journeys import channels as outbox

    contexts = walk.contexts(runs)
    for run in runs:
        outbox.action_request(
            key=outbox.message_key(run_id=run.id, node_id=node.id, channel="action"),
            action=node.config.get("action"),
            params=node.config.get("params") or {},
            profile_id=run.profile_id,
            run_id=run.id,
            node_id=node.id,
            journey_version_id=walk.plan.version_id,
            is_test=walk.plan.is_test,
            context=contexts[run.id] or None,
        )


# --- profiles -----------------------------------------------------------------------------------
def profile_records(profile_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Plain dicts of profiles (core columns, custom attributes, `email`) for conditions and
    templates, read in two queries."""
    from audiences.models import Identity, Profile

    records: dict[int, dict[str, Any]] = {}
    for row in Profile.objects.filter(id__in=profile_ids).values(
        "id", "attributes", *PROFILE_COLUMNS
    ):
        attributes = row.pop("attributes") or {}
        records[row["id"]] = {**attributes, **row}
    for profile_id, namespace, value in Identity.objects.filter(
        profile_id__in=profile_ids
    ).values_list("profile_id", "namespace", "value"):
        records.get(profile_id, {}).setdefault(namespace, value)
    return records


def update_profiles(walk: Walk, node: Node, runs: list[RunRow]) -> None:
    """Apply an update_profile node: core columns directly, anything else into `attributes`;
    string values are templates over `profile` and `event`. Subscribers to profile changes
    (audience qualification) hear about it after commit."""
    from audiences.models import Profile
    from journeys.templating import render_template

    values = dict(node.config.get("attributes") or {})
    templated = {k: v for k, v in values.items() if isinstance(v, str) and "{" in v}
    contexts = walk.contexts(runs)
    records = profile_records([run.profile_id for run in runs]) if templated else {}
    for run in runs:
        rendered = dict(values)
        for key, source in templated.items():
            rendered[key] = render_template(
                source,
                {
                    "profile": records.get(run.profile_id, {}),
                    "event": contexts[run.id].get("event", {}),
                },
            )
        profile = Profile.objects.select_for_update().get(pk=run.profile_id)
        for key, value in rendered.items():
            if key in PROFILE_COLUMNS and key != "is_test":
                field = Profile._meta.get_field(key)
                try:
                    setattr(
                        profile,
                        key,
                        field.to_python(value) if value not in (None, "") else field.get_default(),
                    )
                    field.run_validators(getattr(profile, key)) if getattr(
                        profile, key
                    ) is not None else None
                except ValidationError as exc:
                    raise ValueError(f"{key}: {'; '.join(exc.messages)}") from None
            else:
                profile.attributes[key] = value
        profile.save()
    profile_ids = [run.profile_id for run in runs]
    transaction.on_commit(lambda: notify_profile_changes(profile_ids))


def notify_profile_changes(profile_ids: list[int]) -> None:
    """Tell profile-change subscribers (qualification journeys among them)."""
    try:
        from audiences import profile_changes
    except ImportError:
        from journeys.engine import qualification

        qualification.profiles_changed(profile_ids)
        return
    profile_changes.publish(profile_ids)


# --- events -------------------------------------------------------------------------------------
def event_field_type(field: str) -> str | None:
    """The declared type of `event.NAME.path` from the event configuration, if any."""
    try:
        from events.models import EventConfiguration
    except ImportError:
        return None

    _, name, path = (field.split(".", 2) + ["", ""])[:3]
    config = EventConfiguration.objects.filter(name=name).values_list("fields", flat=True).first()
    for item in config or []:
        if isinstance(item, dict) and item.get("path") == path:
            return item.get("type")
    return None
