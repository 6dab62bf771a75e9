"""Delivery from the outbox: claim due messages in batches under a lease, send them through the
channel's sender on a few lanes (threads, each with its own provider connection and database
connection), record each outcome.

Exactly once, step by step, for every message of a claimed batch:
1. `claim_batch`: one `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)` stamps due
   pending rows with this batch's `claim_token` and a lease. Other workers skip them.
2. Per message, ONE transaction records the previous message's outcome and marks this one
   `sending` (conditional on the claim token) — committed before the provider is called.
3. The provider is called (SMTP/HTTP) with the message's stable identity (SMTP Message-ID,
   FCM collapse key, `Idempotency-Key` header).
If the worker dies (kill -9): rows still `pending` were never handed to a provider and are
claimed again once their lease expires; at most one row per lane is `sending` — the one whose
provider call may or may not have happened. `release_lost_sends` (periodic) puts those back
as pending, flagged `in_doubt`, and they are re-sent with the same identity so the receiving
side (mailbox providers de-duplicate on Message-ID) shows it once.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from audiences.models import Profile
from journeys.models import Message, MessageContent

from .profiles import exclusion_reason, profiles_for_delivery

logger = logging.getLogger(__name__)
TABLE = Message._meta.db_table

LEASE_SECONDS = getattr(settings, "CHANNELS_LEASE_SECONDS", 120)
# Messages claimed per batch and lanes (threads) per worker process, per channel.
BATCH_SIZE = {"email": 200, "push": 400, "sms": 200, "action": 100}
LANES = {"email": 4, "push": 24, "sms": 8, "action": 8}


@dataclass
class Outgoing:
    """One claimed message, with everything its sender needs (plain data)."""

    id: int
    key: str
    channel: str
    profile_id: int
    profile: dict[str, Any] | None
    body: dict[str, Any]
    context: dict[str, Any]
    attempts: int
    in_doubt: bool
    run_id: int | None
    node_id: str
    is_test: bool


@dataclass
class Outcome:
    status: str  # sent | retry | failed | excluded | defer
    provider_id: str = ""
    response: str = ""
    reason: str = ""
    retry_at: dt.datetime | None = None  # defer: try again then, not counted as an attempt
    invalid_tokens: list[str] = field(default_factory=list)  # push: remove from the profile


class Sender:
    """A channel's way out. Subclasses implement `send`; `open`/`close` hold a connection for a
    lane; `before_send` may defer a message inside the marking transaction (rate caps)."""

    channel = ""
    retry_delays: tuple[int, ...] = (30, 120, 600, 1800)  # seconds after attempt 1, 2, ...

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    checks_before_send = False  # True: `before_send` runs in the transaction marking the message

    def before_send(self, item: Outgoing) -> Outcome | None:
        return None

    def send(self, item: Outgoing) -> Outcome:
        raise NotImplementedError

    @property
    def max_attempts(self) -> int:
        return len(self.retry_delays) + 1


def sender_for(channel: str) -> Sender:
    from .actions import ActionSender
    from .email import EmailSender
    from .push import PushSender
    from .sms import SmsSender

    return {"email": EmailSender, "push": PushSender, "sms": SmsSender, "action": ActionSender}[
        channel
    ]()


def deliver_batch(channel: str, *, limit: int | None = None, lanes: int | None = None) -> int:
    """Claim up to `limit` due messages of `channel`, deliver them, return how many were claimed."""
    token = uuid.uuid4().hex
    ids = claim_batch(channel, limit=limit or BATCH_SIZE[channel], token=token)
    if not ids:
        return 0
    items = load_items(ids)
    lane_count = max(1, min(lanes or LANES[channel], len(items)))
    slices = [items[index::lane_count] for index in range(lane_count)]
    if lane_count == 1:
        run_lane(channel, slices[0], token)
    else:
        with ThreadPoolExecutor(
            max_workers=lane_count, thread_name_prefix=f"{channel}-lane"
        ) as pool:
            for future in [pool.submit(_threaded_lane, channel, lane, token) for lane in slices]:
                future.result()
    return len(ids)


def claim_batch(channel: str, *, limit: int, token: str) -> list[int]:
    """Stamp up to `limit` due pending messages with `token` and a lease (committed at once)."""
    with connection.cursor() as cursor:
        # uses index message_due (status = 'pending')
        cursor.execute(
            f"UPDATE {TABLE} SET claim_token = %s, lease_expires_at = now() + make_interval(secs => %s)"
            f" WHERE id IN (SELECT id FROM {TABLE} WHERE status = 'pending' AND channel = %s"
            " AND next_attempt_at <= now() AND (lease_expires_at IS NULL OR lease_expires_at < now())"
            " ORDER BY next_attempt_at LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING id",
            [token, LEASE_SECONDS, channel, limit],
        )
        return sorted(row[0] for row in cursor.fetchall())


def load_items(ids: list[int]) -> list[Outgoing]:
    """The claimed rows with their content and profile, in 4 queries."""
    rows = list(
        Message.objects.filter(pk__in=ids)
        .order_by("pk")
        .values(
            "id",
            "key",
            "channel",
            "profile_id",
            "content_id",
            "context",
            "attempts",
            "in_doubt",
            "run_id",
            "node_id",
            "is_test",
        )
    )
    bodies = dict(
        MessageContent.objects.filter(pk__in={r["content_id"] for r in rows}).values_list(
            "id", "body"
        )
    )
    profiles = profiles_for_delivery(list({r["profile_id"] for r in rows}))
    return [
        Outgoing(
            id=r["id"],
            key=r["key"],
            channel=r["channel"],
            profile_id=r["profile_id"],
            profile=profiles.get(r["profile_id"]),
            body=bodies[r["content_id"]],
            context=r["context"] or {},
            attempts=r["attempts"],
            in_doubt=r["in_doubt"],
            run_id=r["run_id"],
            node_id=r["node_id"],
            is_test=r["is_test"],
        )
        for r in rows
    ]


def _threaded_lane(channel: str, items: list[Outgoing], token: str) -> None:
    try:
        run_lane(channel, items, token)
    finally:
        connections.close_all()  # this thread's own connection


def run_lane(channel: str, items: list[Outgoing], token: str) -> None:
    """Send `items` one after the other on one provider connection (see the module docstring).
    Each message costs one database round trip: `step` records the previous outcome and marks
    the next message in a single statement (autocommit), i.e. one commit."""
    sender = sender_for(channel)
    sender.open()
    previous: tuple[Outgoing, Outcome] | None = None
    try:
        for item in items:
            reason = exclusion_reason(item.channel, item.profile)
            if reason:
                step(sender, previous, item, Outcome("excluded", reason=reason), token=token)
                previous = None
                continue
            if sender.checks_before_send:  # e.g. a rate cap, counted in the marking transaction
                with transaction.atomic():
                    early = sender.before_send(item)
                    marked = step(sender, previous, item, early, token=token)
            else:
                early, marked = None, step(sender, previous, item, None, token=token)
            previous = None
            if early or not marked:
                continue  # not to be sent now, or our lease expired and someone else owns it
            try:
                outcome = sender.send(item)
            except Exception as exc:  # a bug or an unexpected provider answer: retry later
                logger.exception("%s sender failed on message %s", channel, item.id)
                outcome = Outcome("retry", reason=f"{type(exc).__name__}: {exc}"[:1000])
            previous = (item, outcome)
    finally:
        if previous:
            step(sender, previous, None, None, token=token)
        sender.close()


def step(
    sender: Sender,
    previous: tuple[Outgoing, Outcome] | None,
    item: Outgoing | None,
    early: Outcome | None,
    *,
    token: str,
) -> bool:
    """One statement: record `previous`'s outcome; then either record `item`'s `early`
    outcome or mark `item` sending (pending → sending, only if our claim still holds; the lease
    restarts for this send). True when `item` was marked."""
    parts: list[str] = []
    params: list[Any] = []
    for index, (done_item, outcome) in enumerate(
        [p for p in (previous, (item, early) if item and early else None) if p]
    ):
        sql, sql_params = _outcome_update(sender, done_item, outcome, token=token)
        parts.append(f"done{index} AS ({sql})")
        params.extend(sql_params)
        if outcome.invalid_tokens:
            parts.append(
                f"tokens{index} AS (UPDATE {Profile._meta.db_table} SET push_tokens = push_tokens - %s::text[]"
                " WHERE id = %s)"
            )
            params.extend([outcome.invalid_tokens, done_item.profile_id])
    marking = item is not None and early is None
    if marking:
        final = (
            f"UPDATE {TABLE} SET status = 'sending', attempts = attempts + 1, updated_at = now(),"
            " lease_expires_at = now() + make_interval(secs => %s)"
            " WHERE id = %s AND claim_token = %s AND status = 'pending' RETURNING attempts"
        )
        params.extend([LEASE_SECONDS, item.id, token])
    else:
        final = "SELECT NULL"
    if not parts and not marking:
        return False
    statement = (f"WITH {', '.join(parts)} " if parts else "") + final
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    if marking and row:
        item.attempts = row[0]
        return True
    return False


def _outcome_update(
    sender: Sender, item: Outgoing, outcome: Outcome, *, token: str
) -> tuple[str, list[Any]]:
    """The UPDATE writing what happened to `item` (conditional on our claim token)."""
    status, next_at, reason = outcome.status, None, outcome.reason
    if status == "retry":
        if item.attempts >= sender.max_attempts:
            status, reason = "failed", f"gave up after {item.attempts} attempts: {reason}"
        else:
            status = "pending"
            delay = sender.retry_delays[min(item.attempts, len(sender.retry_delays)) - 1]
            next_at = timezone.now() + dt.timedelta(seconds=delay)
    elif status == "defer":
        status, next_at = "pending", outcome.retry_at
    sql = (
        f"UPDATE {TABLE} SET status = %s, reason = %s, provider_id = %s, provider_response = %s,"
        " next_attempt_at = coalesce(%s, next_attempt_at),"
        " sent_at = CASE WHEN %s = 'sent' THEN now() ELSE sent_at END,"
        " claim_token = '', lease_expires_at = NULL, updated_at = now()"
        " WHERE id = %s AND claim_token = %s"
    )
    provider_id = (outcome.provider_id or "")[:255]
    return sql, [
        status,
        reason[:2000],
        provider_id,
        outcome.response[:4000],
        next_at,
        status,
        item.id,
        token,
    ]


def release_lost_sends() -> int:
    """Put back `sending` rows whose lease expired (their worker died mid-send), in doubt."""
    with connection.cursor() as cursor:
        # uses index message_sending
        cursor.execute(
            f"UPDATE {TABLE} SET status = 'pending', in_doubt = true, claim_token = '', lease_expires_at = NULL,"
            " next_attempt_at = now(), updated_at = now(),"
            " reason = 'worker lost while sending; re-sent with the same identity'"
            " WHERE status = 'sending' AND lease_expires_at < now()"
        )
        return cursor.rowcount


def due_counts(*, cap: int = 10_000) -> dict[str, int]:
    """How many messages are due per channel (capped: used to size the kick)."""
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        for channel in BATCH_SIZE:
            cursor.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {TABLE} WHERE status = 'pending' AND channel = %s"
                " AND next_attempt_at <= now() AND (lease_expires_at IS NULL OR lease_expires_at < now())"
                " LIMIT %s) AS due",
                [channel, cap],
            )
            count = cursor.fetchone()[0]
            if count:
                counts[channel] = count
    return counts
