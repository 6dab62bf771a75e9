"""Writing to the outbox, always inside the caller's transaction, and kicking delivery after
commit. Every message has a unique `key` saying who asked for it; asking again with the same key
changes nothing (`ON CONFLICT (key) DO NOTHING`), so a retried step never sends twice.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from journeys.models import Channel, CustomAction, Message
from journeys.sql import cursor as sql_cursor
from journeys.sql import is_sqlite

from .content import ChannelRequestError, content_ensure

logger = logging.getLogger(__name__)
MESSAGE_TABLE = Message._meta.db_table


@dataclass(frozen=True)
class MessageRequestResult:
    message_id: int
    created: bool  # False: the key was already there (nothing new will be sent)


def message_key(*, run_id: int, node_id: str, channel: str) -> str:
    """The key the engine uses for a message step: `run:<run_id>:<node_id>:<channel>`, the run
    id zero-padded to 12 digits so keys sort like run ids: new runs' messages land at the end
    of the key index instead of all over it. In SQL:
    `'run:' || lpad(run.id::text, 12, '0') || ':' || %(node)s || ':' || %(channel)s`."""
    return f"run:{run_id:012d}:{node_id}:{channel}"


def message_request(
    *,
    key: str,
    channel: str,
    profile_id: int,
    content: dict[str, Any] | None = None,
    content_id: int | None = None,
    run_id: int | None = None,
    node_id: str = "",
    journey_version_id: int | None = None,
    is_test: bool = False,
    context: dict[str, Any] | None = None,
) -> MessageRequestResult:
    """Ask for one message to one profile, in the caller's transaction.

    Steps: store the content (or take `content_id`), insert the outbox row unless its key exists,
    and kick delivery when the caller's transaction commits. Consent is checked at delivery.
    """
    if channel not in Channel.values:
        raise ChannelRequestError("channel", f"unknown channel {channel!r}")
    if not key or len(key) > 200:
        raise ChannelRequestError("key", "required, at most 200 characters")
    if content_id is None:
        if content is None:
            raise ChannelRequestError("content", "give content or content_id")
        content_id = content_ensure(channel=channel, body=content)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {MESSAGE_TABLE} (key, channel, profile_id, content_id, context, run_id, node_id,"
            " journey_version_id, is_test, status, attempts, next_attempt_at, claim_token, in_doubt,"
            " provider_id, provider_response, reason, created_at, updated_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'pending', 0, now(), '', false, '', '', '', now(), now())"
            " ON CONFLICT (key) DO NOTHING RETURNING id",
            [
                key,
                channel,
                profile_id,
                content_id,
                _json_or_null(context),
                run_id,
                node_id,
                journey_version_id,
                is_test,
            ],
        )
        row = cursor.fetchone()
    if row:
        kick_on_commit(channel)
        return MessageRequestResult(message_id=row[0], created=True)
    existing = Message.objects.values_list("id", flat=True).get(key=key)
    return MessageRequestResult(message_id=existing, created=False)


def messages_enqueue_from_select(
    *,
    sql: str,
    params: list[Any] | tuple[Any, ...] | dict[str, Any],
    channel: str,
    content_id: int,
    node_id: str = "",
    journey_version_id: int | None = None,
    is_test: bool = False,
    has_context: bool | None = None,
    new_keys: bool = False,
) -> int:
    """Fan-out: one message per row of `sql`, set-based, in the caller's transaction.

    `sql` selects the columns `key, profile_id, run_id` (and optionally `context`, jsonb:
    `has_context` says so, or the statement is planned once to find out); its `params` use
    psycopg placeholders. Runs `INSERT … SELECT … ON CONFLICT (key) DO NOTHING` and returns how
    many messages were created. Get `content_id` from `content_ensure`. `new_keys=True`: the
    caller knows no key can exist yet (runs created in this transaction), so the insert skips
    the conflict arbitration (a duplicate would still be refused by the unique index).
    """
    if channel not in Channel.values:
        raise ChannelRequestError("channel", f"unknown channel {channel!r}")
    if has_context is None:
        has_context = "context" in _select_columns(sql, params)
    context_sql = "s.context" if has_context else ("NULL" if is_sqlite() else "NULL::jsonb")
    fixed = {
        "_ch_channel": channel,
        "_ch_content": content_id,
        "_ch_node": node_id,
        "_ch_version": journey_version_id,
        "_ch_test": is_test,
    }
    # The SELECT comes first in the statement, so positional placeholders stay in order.
    if isinstance(params, dict):
        statement_params: Any = {**params, **fixed}
        holder = {name: f"%({name})s" for name in fixed}
    else:
        statement_params = [*params, *fixed.values()]
        holder = dict.fromkeys(fixed, "%s")
    statement = (
        f"WITH s AS ({sql}) "
        f"INSERT INTO {MESSAGE_TABLE} (key, channel, profile_id, content_id, context, run_id, node_id,"
        " journey_version_id, is_test, status, attempts, next_attempt_at, claim_token, in_doubt,"
        " provider_id, provider_response, reason, created_at, updated_at)"
        f" SELECT s.key, {holder['_ch_channel']}, s.profile_id, {holder['_ch_content']}, {context_sql},"
        f" s.run_id, {holder['_ch_node']}, {holder['_ch_version']}, {holder['_ch_test']},"
        " 'pending', 0, now(), '', false, '', '', '', now(), now()"
        " FROM s WHERE true"  # WHERE: SQLite's upsert parse
        + ("" if new_keys else " ON CONFLICT (key) DO NOTHING")
    )
    with sql_cursor() as cursor:
        cursor.execute(statement, statement_params)
        created = cursor.rowcount
        if is_sqlite():  # Python's sqlite3 gives no rowcount for a statement opening with WITH
            cursor.execute("SELECT changes()")
            created = cursor.fetchone()[0]
    if created:
        kick_on_commit(channel, count=created)
    return created


def _select_columns(sql: str, params: Any) -> list[str]:
    """The column names `sql` produces (planned, never run: `LIMIT 0`)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({sql}) AS s LIMIT 0", params)
        return [column[0] for column in cursor.description]  # DB-API: name first


def action_request(
    *,
    key: str,
    action: int | str,
    profile_id: int,
    params: dict[str, Any] | None = None,
    run_id: int | None = None,
    node_id: str = "",
    journey_version_id: int | None = None,
    is_test: bool = False,
    context: dict[str, Any] | None = None,
) -> MessageRequestResult:
    """Ask for one custom-action call (by action id or name), with the same guarantees as
    `message_request`: written in the caller's transaction, unique key, delivered after commit."""
    found = (
        CustomAction.objects.filter(pk=action)
        if isinstance(action, int)
        else CustomAction.objects.filter(name=action)
    )
    custom_action = found.first()
    if custom_action is None:
        raise ChannelRequestError("action", f"unknown custom action {action!r}")
    params = params or {}
    unknown = sorted(set(params) - set(custom_action.parameters or []))
    if unknown:
        raise ChannelRequestError(
            f"params.{unknown[0]}", f"not a parameter of {custom_action.name!r}"
        )
    content_id = content_ensure(
        channel=Channel.ACTION, body={"action_id": custom_action.pk, "params": params}
    )
    return message_request(
        key=key,
        channel=Channel.ACTION,
        profile_id=profile_id,
        content_id=content_id,
        run_id=run_id,
        node_id=node_id,
        journey_version_id=journey_version_id,
        is_test=is_test,
        context=context,
    )


def kick_on_commit(channel: str, *, count: int = 1) -> None:
    """After the current transaction commits (now, outside one), start delivery on `channel`.
    One kick per channel per transaction, however many messages it wrote."""
    conn = transaction.get_connection()
    for _, func, _ in getattr(conn, "run_on_commit", []):
        if getattr(func, "channels_kick", None) == channel:
            func.count += count
            return

    def kick() -> None:
        from .tasks import deliver_start

        deliver_start(channel, count=kick.count)

    kick.channels_kick = channel  # type: ignore[attr-defined]
    kick.count = count  # type: ignore[attr-defined]
    transaction.on_commit(kick, robust=True)


def _json_or_null(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=str)
