"""Reactions to messages (opened, clicked): recorded once per kind with a count, and the first
of each kind published to subscribers (the engine) after commit.

    from journeys.channels.reactions import subscribe
    subscribe(my_callback)   # in AppConfig.ready()

Callbacks receive a list of `MessageReaction`s after the recording transaction commits. They
must be quick (hand the work to Celery); an exception in one is logged and does not affect the
others. Repeats of a kind are counted on the `Reaction` row and never re-published.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction

from journeys import sql as dbsql
from journeys.models import Message, Reaction, ReactionKind

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MessageReaction:
    message_id: int
    run_id: int | None
    node_id: str
    channel: str  # email | push | sms | action
    kind: str  # opened | clicked
    profile_id: int
    is_test: bool
    occurred_at: dt.datetime
    url: str = ""  # clicked: the link's target


Subscriber = Callable[[Sequence[MessageReaction]], None]
_subscribers: list[Subscriber] = []


def subscribe(callback: Subscriber) -> None:
    if callback not in _subscribers:
        _subscribers.append(callback)


def unsubscribe_callback(callback: Subscriber) -> None:
    if callback in _subscribers:
        _subscribers.remove(callback)


def publish(reactions: Sequence[MessageReaction]) -> None:
    """Call every subscriber (recording calls this from `transaction.on_commit`)."""
    if not reactions:
        return
    for callback in list(_subscribers):
        try:
            callback(reactions)
        except Exception:  # one subscriber's failure must not lose the others' delivery
            logger.exception("reaction subscriber %r failed", callback)


def reaction_record(*, message_id: int, kind: str, url: str = "") -> bool:
    """Record a reaction; True when it is the first of its kind for that message.

    Steps: upsert the (message, kind) row counting repeats; a click also records an implied
    open (the email was read even if images were blocked); first ones are published after
    commit. Unknown message → False, nothing recorded.
    """
    message = (
        Message.objects.filter(pk=message_id)
        .only("id", "run_id", "node_id", "channel", "profile_id", "is_test")
        .first()
    )
    if message is None:
        return False
    kinds = [kind] + ([ReactionKind.OPENED] if kind == ReactionKind.CLICKED else [])
    firsts: list[MessageReaction] = []
    with transaction.atomic():
        for each in kinds:
            inserted, at = _upsert(
                message_id, each, url if each == ReactionKind.CLICKED else "", count=each == kind
            )
            if inserted:
                firsts.append(
                    MessageReaction(
                        message_id=message.pk,
                        run_id=message.run_id,
                        node_id=message.node_id,
                        channel=message.channel,
                        kind=each,
                        profile_id=message.profile_id,
                        is_test=message.is_test,
                        occurred_at=at,
                        url=url if each == ReactionKind.CLICKED else "",
                    )
                )
        if firsts:
            transaction.on_commit(lambda: publish(firsts), robust=True)
    return any(r.kind == kind for r in firsts)


def _upsert(message_id: int, kind: str, url: str, *, count: bool) -> tuple[bool, dt.datetime]:
    """Insert the first reaction of a kind, or count a repeat (`count=False`: implied, only
    inserted if missing). Returns (inserted, first_at)."""
    table = Reaction._meta.db_table
    if dbsql.is_sqlite():
        return _upsert_sqlite(table, message_id, kind, url, count=count)
    on_conflict = (
        "DO UPDATE SET count = r.count + 1, last_at = now()"
        if count
        else "DO UPDATE SET count = r.count"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} AS r (message_id, kind, count, first_at, last_at, url)"
            f" VALUES (%s, %s, 1, now(), now(), %s) ON CONFLICT (message_id, kind) {on_conflict}"
            " RETURNING (xmax = 0), first_at",
            [message_id, kind, url],
        )
        inserted, first_at = cursor.fetchone()
    return bool(inserted), first_at


def _upsert_sqlite(
    table: str, message_id: int, kind: str, url: str, *, count: bool
) -> tuple[bool, dt.datetime]:
    """`_upsert` for SQLite (no `xmax`): read, then insert or count (one writer anyway)."""
    found = dbsql.fetch(
        f"SELECT first_at FROM {table} WHERE message_id = %s AND kind = %s", [message_id, kind]
    )
    if found:
        if count:
            dbsql.execute(
                f"UPDATE {table} SET count = count + 1, last_at = now()"
                " WHERE message_id = %s AND kind = %s",
                [message_id, kind],
            )
        return False, dbsql.read_datetime(found[0][0])
    rows = dbsql.fetch(
        f"INSERT INTO {table} (message_id, kind, count, first_at, last_at, url)"
        " VALUES (%s, %s, 1, now(), now(), %s) RETURNING first_at",
        [message_id, kind, url],
    )
    return True, dbsql.read_datetime(rows[0][0])
