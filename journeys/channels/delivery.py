"""Delivery from the outbox: claim due messages in batches under a lease, send them through the
channel's sender on a few lanes (threads, each with its own provider connection and database
connection), record each outcome.

Exactly once, step by step, for every message of a claimed batch:
1. `claim_batch`: one `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)` stamps due
   pending rows with this batch's `claim_token` and a lease. Other workers skip them.
2. Per message (per group of `group_size` for push), ONE statement records the previous
   outcomes and marks the next message `sending` (conditional on the claim token) — committed
   before the provider is called.
3. The provider is called (SMTP/HTTP) with the message's stable identity (SMTP Message-ID,
   FCM collapse key, `Idempotency-Key` header).
If the worker dies (kill -9): rows still `pending` were never handed to a provider and are
claimed again once their lease expires; at most one row per lane (one group for push) is
`sending` — the one whose provider call may or may not have happened. `release_lost_sends` (periodic) puts those back
as pending, flagged `in_doubt`, and they are re-sent with the same identity so the receiving
side (mailbox providers de-duplicate on Message-ID) shows it once.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from audiences.models import Profile
from journeys import sql as dbsql
from journeys.models import Message, MessageContent

from .profiles import exclusion_reason, profiles_for_delivery

logger = logging.getLogger(__name__)
TABLE = Message._meta.db_table

LEASE_SECONDS = getattr(settings, "CHANNELS_LEASE_SECONDS", 120)
# Messages claimed per batch and lanes (threads) per worker process, per channel.
BATCH_SIZE = {"email": 200, "push": 400, "sms": 200, "action": 100}
LANES = {"email": 8, "push": 24, "sms": 8, "action": 8}


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
    # defer: try again then, not counted as an attempt. retry: not before then (the provider's
    # Retry-After), when that is later than the sender's own back-off.
    retry_at: dt.datetime | None = None
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
    # Messages marked `sending` (and recorded) together. 1: after a crash at most one message
    # per lane is in doubt. More saves database round trips where a re-send is harmless.
    group_size = 1

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


def deliver_batch(channel: str, *, limit: int | None = None, lanes: Lanes | None = None) -> int:
    """Claim up to `limit` due messages of `channel`, deliver them, return how many were claimed.
    With `lanes` (see `Lanes`) the batch is spread over its threads; without, it is sent from
    this thread (tests call it so)."""
    token = uuid.uuid4().hex
    ids = claim_batch(channel, limit=limit or BATCH_SIZE[channel], token=token)
    if not ids:
        return 0
    items = load_items(ids)
    if lanes is None:
        run_lane(channel, items, token)
    else:
        lanes.run(items, token)
    return len(ids)


class Lanes:
    """Delivery threads of one channel for the life of a task: each keeps its provider
    connection (SMTP, HTTP keep-alive) and its own database connection across batches.

        with Lanes("email") as lanes:
            while deliver_batch("email", lanes=lanes): ...
    """

    def __init__(self, channel: str, count: int | None = None) -> None:
        self.channel = channel
        self.count = count or LANES[channel]
        self._inboxes: list[queue.Queue] = [queue.Queue() for _ in range(self.count)]
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> Lanes:
        for index, inbox in enumerate(self._inboxes):
            thread = threading.Thread(
                target=self._serve, args=(inbox,), name=f"{self.channel}-lane-{index}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for inbox in self._inboxes:
            inbox.put(None)
        for thread in self._threads:
            thread.join()

    def run(self, items: list[Outgoing], token: str) -> None:
        """Spread `items` over the lanes and wait for every lane to finish its share."""
        results: queue.Queue = queue.Queue()
        shares = [items[index :: self.count] for index in range(self.count)]
        busy = [(inbox, share) for inbox, share in zip(self._inboxes, shares, strict=True) if share]
        for inbox, share in busy:
            inbox.put((share, token, results))
        errors = [error for error in (results.get() for _ in busy) if error is not None]
        if errors:
            raise errors[0]

    def _serve(self, inbox: queue.Queue) -> None:
        sender: Sender | None = None
        try:
            while (job := inbox.get()) is not None:
                share, token, results = job
                try:
                    if sender is None:
                        sender = sender_for(self.channel)
                        sender.open()
                    send_all(sender, share, token)
                    results.put(None)
                except Exception as exc:  # reported to the task; reconnect for the next job
                    connections.close_all()
                    results.put(exc)
        finally:
            if sender is not None:
                sender.close()
            connections.close_all()  # this thread's own database connection


def claim_batch(channel: str, *, limit: int, token: str) -> list[int]:
    """Stamp up to `limit` due pending messages with `token` and a lease (committed at once)."""
    with connection.cursor() as cursor:
        # uses index message_due (status = 'pending')
        cursor.execute(
            f"UPDATE {TABLE} SET claim_token = %s, lease_expires_at = {dbsql.in_seconds()}"
            f" WHERE id IN (SELECT id FROM {TABLE} WHERE status = 'pending' AND channel = %s"
            " AND next_attempt_at <= now() AND (lease_expires_at IS NULL OR lease_expires_at < now())"
            f" ORDER BY next_attempt_at LIMIT %s {dbsql.skip_locked()}) RETURNING id",
            [token, dbsql.seconds_param(LEASE_SECONDS), channel, limit],
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


def run_lane(channel: str, items: list[Outgoing], token: str) -> None:
    """Send `items` one after the other on one provider connection (see the module docstring).
    Each message costs one database round trip: `step` records the previous outcome and marks
    the next message in a single statement (autocommit), i.e. one commit."""
    sender = sender_for(channel)
    sender.open()
    try:
        send_all(sender, items, token)
    finally:
        sender.close()


def send_all(sender: Sender, items: list[Outgoing], token: str) -> None:
    """The lane's loop over groups of `sender.group_size` messages: exclusions, marking,
    sending, recording — one statement per group (records the previous group's outcomes and
    marks this group `sending`)."""
    done: list[tuple[Outgoing, Outcome]] = []
    size = sender.group_size
    try:
        for start in range(0, len(items), size):
            group = items[start : start + size]
            early: list[tuple[Outgoing, Outcome]] = []
            for item in group:
                reason = exclusion_reason(item.channel, item.profile)
                if reason:
                    early.append((item, Outcome("excluded", reason=reason)))
            if sender.checks_before_send:  # e.g. a rate cap, counted in the marking transaction
                with transaction.atomic():
                    early += _checked(sender, group, early)
                    marked = step(sender, done + early, _without(group, early), token=token)
            else:
                marked = step(sender, done + early, _without(group, early), token=token)
            done = []
            for item in marked:  # the others: excluded, deferred, or our lease expired
                try:
                    outcome = sender.send(item)
                except Exception as exc:  # a bug or an unexpected provider answer: retry later
                    logger.exception("%s sender failed on message %s", sender.channel, item.id)
                    outcome = Outcome("retry", reason=f"{type(exc).__name__}: {exc}"[:1000])
                done.append((item, outcome))
    finally:
        if done:
            step(sender, done, [], token=token)


def _without(group: list[Outgoing], early: list[tuple[Outgoing, Outcome]]) -> list[Outgoing]:
    settled = {item.id for item, _ in early}
    return [item for item in group if item.id not in settled]


def _checked(
    sender: Sender, group: list[Outgoing], early: list[tuple[Outgoing, Outcome]]
) -> list[tuple[Outgoing, Outcome]]:
    out = []
    for item in _without(group, early):
        outcome = sender.before_send(item)
        if outcome:
            out.append((item, outcome))
    return out


def step(
    sender: Sender, done: list[tuple[Outgoing, Outcome]], to_mark: list[Outgoing], *, token: str
) -> list[Outgoing]:
    """One statement (one commit): write the outcomes in `done`, and mark `to_mark` sending
    (pending → sending, only where our claim still holds; the lease restarts for this send).
    Returns the messages marked, in order, with their attempt count."""
    if dbsql.is_sqlite():
        return _step_sqlite(sender, done, to_mark, token=token)
    parts: list[str] = []
    params: list[Any] = []
    for index, (done_item, outcome) in enumerate(done):
        sql, sql_params = _outcome_update(sender, done_item, outcome, token=token)
        parts.append(f"done{index} AS ({sql})")
        params.extend(sql_params)
        if outcome.invalid_tokens:
            parts.append(
                f"tokens{index} AS (UPDATE {Profile._meta.db_table}"
                " SET push_tokens = push_tokens - %s::text[] WHERE id = %s)"
            )
            params.extend([outcome.invalid_tokens, done_item.profile_id])
    if to_mark:
        final = (
            f"UPDATE {TABLE} SET status = 'sending', attempts = attempts + 1, updated_at = now(),"
            " lease_expires_at = now() + make_interval(secs => %s)"
            " WHERE id = ANY(%s) AND claim_token = %s AND status = 'pending' RETURNING id, attempts"
        )
        params.extend([LEASE_SECONDS, [item.id for item in to_mark], token])
    elif parts:
        final = "SELECT NULL, NULL"
    else:
        return []
    statement = (f"WITH {', '.join(parts)} " if parts else "") + final
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        attempts = {row[0]: row[1] for row in cursor.fetchall() if row[0] is not None}
    marked = [item for item in to_mark if item.id in attempts]
    for item in marked:
        item.attempts = attempts[item.id]
    return marked


def _step_sqlite(
    sender: Sender, done: list[tuple[Outgoing, Outcome]], to_mark: list[Outgoing], *, token: str
) -> list[Outgoing]:
    """`step` for SQLite (no data-modifying CTEs): the same writes, one statement each, in one
    transaction; unregistered push tokens are removed from the profile's list in Python."""
    with transaction.atomic():
        for done_item, outcome in done:
            dbsql.execute(*_outcome_update(sender, done_item, outcome, token=token))
            if outcome.invalid_tokens:
                _remove_push_tokens(done_item.profile_id, outcome.invalid_tokens)
        if not to_mark:
            return []
        ids = [item.id for item in to_mark]
        rows = dbsql.fetch(
            f"UPDATE {TABLE} SET status = 'sending', attempts = attempts + 1, updated_at = now(),"
            f" lease_expires_at = %s WHERE {dbsql.in_ids('id')} AND claim_token = %s"
            " AND status = 'pending' RETURNING id, attempts",
            [dbsql.seconds_param(LEASE_SECONDS), dbsql.ids_param(ids), token],
        )
    attempts = dict(rows)
    marked = [item for item in to_mark if item.id in attempts]
    for item in marked:
        item.attempts = attempts[item.id]
    return marked


def _remove_push_tokens(profile_id: int, tokens: list[str]) -> None:
    profile = Profile.objects.filter(pk=profile_id).only("push_tokens").first()
    if profile is None:
        return
    kept = [t for t in (profile.push_tokens or []) if t not in set(tokens)]
    if kept != profile.push_tokens:
        Profile.objects.filter(pk=profile_id).update(push_tokens=kept)


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
            if outcome.retry_at is not None and outcome.retry_at > next_at:
                next_at = outcome.retry_at
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
        dbsql.db_datetime(next_at),
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
