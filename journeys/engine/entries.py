"""Profiles entering journeys: the one set-based entry (`enter_profiles`) every entry type uses,
and audience reads (read audience, business events) paced at the version's `rate`.

`enter_profiles` keeps the candidates the journey accepts (`NOT EXISTS` over the runs for the
one-active-run rule and re-entrance), walks them from the entry node (first messages queued
set-based in the same transaction), inserts the runs once, in the state the walk left them in
(the one-active-run unique index guards concurrent entries), and counts the refused ones per
reason (EntryDiscard).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from journeys import sql
from journeys.engine import adapters
from journeys.engine.plan import Plan
from journeys.engine.walker import RunRow, Walk

logger = logging.getLogger(__name__)

DEFAULT_RATE = 5_000
MIN_RATE, MAX_RATE = 500, 20_000
SHARD_RATE = 10_000  # profiles/s one worker enters comfortably; above it a read is split
# A read enters rate × BATCH_SECONDS profiles every BATCH_SECONDS: at most `rate` in any second,
# spread over it (providers see a steady flow), and a read of N takes N / rate seconds, not the
# next whole second.
BATCH_SECONDS = 0.25
EXACT_QUANTILES_UP_TO = 1_000_000  # members: shard bounds counted exactly, else estimated


def enter_profiles(
    *,
    plan: Plan,
    profile_ids: Sequence[int],
    context: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Enter `profile_ids` into `plan`'s version; returns how many entered. Refused entries
    (already inside, re-entrance, not a test profile in test mode, outside the journey's
    dates, version not taking entries) are counted in EntryDiscard with their reason.

    Steps, in one transaction: keep the candidates the journey accepts (one SELECT), take run
    ids from the sequence, walk them from the entry node (first messages queued set-based),
    then insert the runs in the state the walk left them in. A profile entering concurrently
    elsewhere makes the insert fail on the one-active-run index: the batch is retried."""
    now = now or timezone.now()
    ids = list(dict.fromkeys(int(i) for i in profile_ids))
    if not ids:
        return 0
    refusal = _refuse_all(plan, now)
    if refusal:
        count_discards(plan, {refusal: len(ids)}, now)
        return 0
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _enter(plan, ids, context or {}, now)
        except IntegrityError:
            if attempt == 2:
                raise
            logger.info(
                "entry batch of version %s met a concurrent entry; retrying", plan.version_id
            )
    return 0


def _enter(plan: Plan, ids: list[int], context: dict, now: dt.datetime) -> int:
    from journeys.models import Run

    accepted = _acceptable(plan, ids, now)
    if len(accepted) < len(ids):
        taken = set(accepted)
        count_discards(plan, _discard_reasons(plan, [i for i in ids if i not in taken]), now)
    if not accepted:
        return 0
    new_runs = dict(zip(sql.allocate_ids(Run, len(accepted)), accepted, strict=True))
    walk = Walk(plan, now=now, shared_context=context, new_runs=new_runs)
    walk.arrive(plan.entry, [RunRow(run_id, profile_id) for run_id, profile_id in new_runs.items()])
    walk.flush()
    return len(new_runs)


def _refuse_all(plan: Plan, now: dt.datetime) -> str | None:
    if not plan.accepts_entries:
        return "journey_not_accepting"
    if plan.start_date and now < plan.start_date:
        return "before_start_date"
    if plan.end_date and now >= plan.end_date:
        return "after_end_date"
    return None


def _acceptable(plan: Plan, ids: list[int], now: dt.datetime) -> list[int]:
    """The candidates the journey takes: not inside it now, re-entrance respected, test
    profiles only in test mode (one SELECT over the run index)."""
    from audiences.models import Profile
    from journeys.models import Run

    run_t, profile_t = sql.table(Run), sql.table(Profile)
    if not plan.reentrance_allowed:
        earlier, earlier_params = "TRUE", []
    else:
        earlier, earlier_params = (
            "(r.status = 'active' OR r.ended_at > %s)",
            [now - plan.reentrance_wait],
        )
    test_filter = (
        f"AND EXISTS (SELECT 1 FROM {profile_t} p WHERE p.id = ids.id AND p.is_test)"
        if plan.is_test
        else ""
    )
    statement = (
        f"SELECT ids.id FROM {sql.ids_table()} WHERE NOT EXISTS (SELECT 1 FROM {run_t} r "
        f"WHERE r.profile_id = ids.id AND r.journey_id = %s AND r.is_test = %s AND {earlier}) {test_filter}"
    )
    rows = sql.fetch(
        statement, [sql.ids_param(ids), plan.journey_id, plan.is_test, *earlier_params]
    )
    return [row[0] for row in rows]


def _discard_reasons(plan: Plan, refused: list[int]) -> dict[str, int]:
    """Why each refused profile was refused, counted per reason."""
    from audiences.models import Profile
    from journeys.models import Run

    reasons: dict[str, int] = {}
    remaining = set(refused)
    if plan.is_test:
        not_test = set(
            Profile.objects.filter(id__in=remaining, is_test=False).values_list("id", flat=True)
        )
        if not_test:
            reasons["not_a_test_profile"] = len(not_test)
            remaining -= not_test
    inside = set(
        Run.objects.filter(
            journey_id=plan.journey_id,
            is_test=plan.is_test,
            status="active",
            profile_id__in=remaining,
        ).values_list("profile_id", flat=True)
    )
    if inside:
        reasons["already_in_journey"] = len(inside)
        remaining -= inside
    if remaining:
        key = "reentrance_wait" if plan.reentrance_allowed else "reentrance_not_allowed"
        reasons[key] = len(remaining)
    return reasons


def count_discards(plan: Plan, reasons: dict[str, int], now: dt.datetime) -> None:
    """Add to the version's discarded-entry counters (one upsert per reason)."""
    from journeys.models import EntryDiscard

    table = sql.table(EntryDiscard)
    for reason, count in reasons.items():
        if count:
            sql.execute(
                f"INSERT INTO {table} (version_id, reason, is_test, count, last_at) VALUES (%s, %s, %s, %s, %s) "
                "ON CONFLICT (version_id, reason, is_test) DO UPDATE SET count = "
                f"{table}.count + EXCLUDED.count, last_at = EXCLUDED.last_at",
                [plan.version_id, reason, plan.is_test, count, now],
            )


# --- audience reads ---------------------------------------------------------------------------
def audience_read_create(
    *,
    plan: Plan,
    audience_id: int,
    key: str,
    rate: int | None = None,
    start_at: dt.datetime | None = None,
    context: dict[str, Any] | None = None,
) -> bool:
    """Schedule one reading of `audience_id` into the version (once per `key`); the beat's
    sweep then enters its members in batches, at most `rate` per second in all. Above
    SHARD_RATE profiles/s the read is split in shards, ranges of profile ids holding about as
    many members each, that workers process in parallel, each at its share of the rate."""
    from audiences.models import Audience
    from journeys.models import AudienceRead

    now = timezone.now()
    rate = max(MIN_RATE, min(MAX_RATE, int(rate or DEFAULT_RATE)))
    shards = max(1, -(-rate // SHARD_RATE))
    bounds: list[int | None] = [0, None]
    if shards > 1:
        rule = Audience.objects.filter(pk=audience_id).values_list("rule", flat=True).first()
        cuts = member_id_quantiles(rule, shards)
        if len(cuts) == shards - 1:
            bounds = [0, *cuts, None]
        else:  # too few members to cut: one reader
            shards = 1
    try:
        with transaction.atomic():
            AudienceRead.objects.bulk_create(
                [
                    AudienceRead(
                        version_id=plan.version_id,
                        key=key[:100],
                        shard=shard,
                        shards=shards,
                        audience_id=audience_id,
                        rate=rate // shards + (1 if shard < rate % shards else 0),
                        cursor=bounds[shard] or 0,
                        until_id=bounds[shard + 1],
                        context=context or {},
                        is_test=plan.is_test,
                        next_batch_at=start_at or now,
                        created_at=now,
                    )
                    for shard in range(shards)
                ]
            )
    except IntegrityError:  # that occurrence was already scheduled
        return False
    return True


def audience_reads_sweep(*, now: dt.datetime | None = None, budget_seconds: float = 0.9) -> int:
    """Process the audience reads' due batches until the budget is spent; several workers
    share them (SKIP LOCKED). On the real clock, a batch falling due within the budget is
    waited for (batches come every BATCH_SECONDS, the beat every second); with `now` given
    (tests move the clock) the sweep stops when nothing is due. Returns profiles entered."""
    from journeys.models import AudienceRead

    entered = 0
    started = time.monotonic()
    while (left := budget_seconds - (time.monotonic() - started)) > 0:
        done = audience_read_batch(now=now)
        if done is not None:
            entered += done
            continue
        if now is not None:
            break
        due = (
            AudienceRead.objects.filter(status=AudienceRead.Status.PENDING)
            .order_by("next_batch_at")
            .values_list("next_batch_at", flat=True)
            .first()
        )
        wait = (due - timezone.now()).total_seconds() if due else left + 1
        if wait >= left:
            break
        time.sleep(max(wait, 0.001))
    return entered


def batch_size(rate: int) -> int:
    """Profiles per batch of a read (or shard) entering `rate` per second."""
    return max(1, math.ceil(rate * BATCH_SECONDS))


def audience_read_batch(*, now: dt.datetime | None = None) -> int | None:
    """Claim one read with a batch due and enter its next `batch_size(rate)` members, in one
    transaction with its cursor. None when no read is due."""
    from journeys.models import AudienceRead

    now = now or timezone.now()
    table = sql.table(AudienceRead)
    with transaction.atomic():
        claimed = sql.fetch(
            f"SELECT id FROM {table} WHERE status = 'pending' AND next_batch_at <= %s "
            f"ORDER BY next_batch_at LIMIT 1 {sql.skip_locked()}",
            [now],
        )
        if not claimed:
            return None
        read = AudienceRead.objects.select_related("audience").get(pk=claimed[0][0])
        # A fresh plan, not the cached one: entries re-read the status (a version published a
        # second after leaving test mode must not enter its audience as test runs).
        adapters.forget_plans()
        plan = adapters.plan_by_version_id(read.version_id)
        if not plan.accepts_entries:
            read.status, read.finished_at = AudienceRead.Status.CANCELLED, now
            read.save(update_fields=["status", "finished_at"])
            return 0
        per_batch = batch_size(read.rate)
        ids = audience_member_ids(
            read.audience.rule,
            after=read.cursor,
            limit=per_batch,
            test_only=plan.is_test,
            until=read.until_id,
        )
        entered = (
            enter_profiles(plan=plan, profile_ids=ids, context=read.context, now=now) if ids else 0
        )
        read.cursor = ids[-1] if ids else read.cursor
        read.entered += entered
        read.discarded += len(ids) - entered
        read.next_batch_at = max(
            read.next_batch_at + dt.timedelta(seconds=BATCH_SECONDS),
            now + dt.timedelta(seconds=BATCH_SECONDS * 0.9),
        )
        if len(ids) < per_batch:
            read.status, read.finished_at = AudienceRead.Status.DONE, now
        read.save(
            update_fields=[
                "cursor",
                "entered",
                "discarded",
                "next_batch_at",
                "status",
                "finished_at",
            ]
        )
    return entered


def audience_member_ids(
    rule: Any,
    *,
    after: int = 0,
    limit: int,
    test_only: bool = False,
    until: int | None = None,
) -> list[int]:
    """The next `limit` member ids of a rule after `after` (up to `until`), in id order (SQL
    from the rule: a range scan of the primary key, however large the audience)."""
    members = _members(rule).filter(id__gt=after)
    if until is not None:
        members = members.filter(id__lte=until)
    if test_only:
        members = members.filter(is_test=True)
    return list(members.order_by("id").values_list("id", flat=True)[:limit])


def member_id_quantiles(rule: Any, parts: int) -> list[int]:
    """The `parts - 1` member ids that cut the audience into `parts` ranges of as many members
    each (shard bounds). Exact up to a million members (one scan of the audience); above, the
    estimate from a 5 % sample of the table's pages (a few ms whatever its size)."""
    from audiences.models import Profile

    fractions = [k / parts for k in range(1, parts)]
    members = _members(rule).values("id")
    if sql.is_sqlite():
        total = members.count()
        return [
            members.order_by("id").values_list("id", flat=True)[int(total * f)]
            for f in fractions
            if int(total * f) < total
        ]
    member_sql, params = members.query.sql_with_params()
    table = sql.table(Profile)
    sampled = member_sql.replace(f"FROM {table}", f"FROM {table} TABLESAMPLE SYSTEM (5)", 1)
    quantiles = (
        "SELECT count(*), percentile_disc(%s::float8[]) WITHIN GROUP (ORDER BY s.id) FROM ({}) AS s"
    )
    if sampled != member_sql:
        count, bounds = sql.fetch(quantiles.format(sampled), [fractions, *params])[0]
        if count >= 1_000 and count * 20 > EXACT_QUANTILES_UP_TO:  # enough to trust
            return [int(b) for b in bounds]
    count, bounds = sql.fetch(quantiles.format(member_sql), [fractions, *params])[0]
    return [int(b) for b in bounds or []]


def _members(rule: Any):
    from audiences.models import Profile
    from audiences.rules import PROFILE_FIELDS, rule_to_q

    return Profile.objects.filter(rule_to_q(rule, fields=PROFILE_FIELDS))
