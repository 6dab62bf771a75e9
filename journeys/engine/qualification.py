"""Audience qualification: a profile change re-evaluates, in SQL, the audiences used by live
audience-qualification journeys for the changed profiles only, and compares the answer with the
memberships last seen (AudienceMembership):

- joined = members now, not stored → inserted (`ON CONFLICT DO NOTHING RETURNING`: only the
  transaction that inserts a membership sees it as joined, so concurrent checks enter once);
- left = stored, not members now → deleted (`DELETE … RETURNING`, same reason);
- journeys with behaviour `enter` start runs for the joined, `exit` for the left.

Publishing a qualification journey first syncs its audience's memberships, so the people
already in it do not all "join" on their next change.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from journeys import sql
from journeys.engine import adapters, entries


def profiles_changed(profile_ids: Sequence[int], *, now: dt.datetime | None = None) -> int:
    """Start the qualification runs these profile changes cause; returns runs started."""
    ids = sorted({int(i) for i in profile_ids})
    if not ids:
        return 0
    now = now or timezone.now()
    journeys_by_audience = defaultdict(list)
    for plan in adapters.entry_versions():
        entry = plan.entry
        if entry.type == "audience_qualification" and entry.config.get("audience"):
            journeys_by_audience[int(entry.config["audience"])].append(plan)
    started = 0
    for audience_id, plans in journeys_by_audience.items():
        joined, left = membership_changes(audience_id, ids, now=now)
        for plan in plans:
            leaving = plan.entry.config.get("behavior", "enter") == "exit"
            who = left if leaving else joined
            if who:
                context = {
                    "entry": {"audience": audience_id, "behavior": "exit" if leaving else "enter"}
                }
                started += entries.enter_profiles(
                    plan=plan, profile_ids=who, context=context, now=now
                )
    return started


def membership_changes(
    audience_id: int, profile_ids: list[int], *, now: dt.datetime
) -> tuple[list[int], list[int]]:
    """(joined, left) among `profile_ids` since last seen, stored as seen now."""
    from audiences.models import Audience, Profile
    from audiences.rules import PROFILE_FIELDS, rule_to_q
    from journeys.models import AudienceMembership

    audience = Audience.objects.filter(pk=audience_id).first()
    if audience is None:
        return [], []
    members = list(
        Profile.objects.filter(
            rule_to_q(audience.rule, fields=PROFILE_FIELDS), id__in=profile_ids
        ).values_list("id", flat=True)
    )
    outsiders = sorted(set(profile_ids) - set(members))
    table = sql.table(AudienceMembership)
    with transaction.atomic():
        joined = (
            [
                row[0]
                for row in sql.fetch(
                    f"INSERT INTO {table} (audience_id, profile_id, since) SELECT %s, ids.id, %s FROM {sql.ids_table()} WHERE 1 = 1 "
                    "ON CONFLICT (audience_id, profile_id) DO NOTHING RETURNING profile_id",
                    [audience_id, now, sql.ids_param(members)],
                )
            ]
            if members
            else []
        )
        left = (
            [
                row[0]
                for row in sql.fetch(
                    f"DELETE FROM {table} WHERE audience_id = %s AND {sql.in_ids('profile_id')} RETURNING profile_id",
                    [audience_id, sql.ids_param(outsiders)],
                )
            ]
            if outsiders
            else []
        )
    return joined, left


def sync_memberships(audience_id: int, *, now: dt.datetime | None = None) -> None:
    """Store the audience's current members as seen (set-based), before a qualification
    journey starts listening to changes."""
    from audiences.models import Audience, Profile
    from audiences.rules import PROFILE_FIELDS, rule_to_q
    from journeys.models import AudienceMembership

    now = now or timezone.now()
    audience = Audience.objects.get(pk=audience_id)
    members = Profile.objects.filter(rule_to_q(audience.rule, fields=PROFILE_FIELDS)).values("id")
    members_sql, members_params = members.query.sql_with_params()
    table = sql.table(AudienceMembership)
    with transaction.atomic():
        sql.execute(
            f"DELETE FROM {table} WHERE audience_id = %s AND profile_id NOT IN ({members_sql})",
            [audience_id, *members_params],
        )
        sql.execute(
            f"INSERT INTO {table} (audience_id, profile_id, since) SELECT %s, m.id, %s FROM ({members_sql}) AS m WHERE 1 = 1 "
            "ON CONFLICT (audience_id, profile_id) DO NOTHING",
            [audience_id, now, *members_params],
        )
