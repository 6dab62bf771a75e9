"""Small SQL helpers that keep the journeys' set-based statements (engine and channels) working
on PostgreSQL (tests, benchmarks, production) and on SQLite (`make run`).

On SQLite a `now()` SQL function is installed on each new connection (`install_sqlite_functions`),
so statements may use `now()` on both vendors; PostgreSQL keeps its own.

A list of ids is passed as ONE parameter: `unnest(%s::bigint[])` on PostgreSQL, `json_each(%s)`
on SQLite, so a 20,000-row batch is one statement with one parameter on both.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime


def is_sqlite() -> bool:
    return connection.vendor == "sqlite"


def install_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    """`connection_created` receiver: give SQLite a `now()` (UTC, in the text form Django stores
    datetimes in, so it compares with stored values)."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function("now", 0, _sqlite_now)


def _sqlite_now() -> str:
    return str(timezone.now().astimezone(dt.UTC).replace(tzinfo=None))


def db_datetime(value: dt.datetime | None) -> Any:
    """A datetime as a statement parameter (SQLite: Django's stored text form, naive UTC)."""
    return connection.ops.adapt_datetimefield_value(value)


def read_datetime(value: Any) -> dt.datetime | None:
    """A datetime read by raw SQL, aware on both vendors (SQLite may hand back text)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value


def in_seconds() -> str:
    """An SQL expression: now plus the seconds given as its one parameter (`seconds_param`)."""
    return "%s" if is_sqlite() else "now() + make_interval(secs => %s)"


def seconds_param(seconds: float) -> Any:
    if is_sqlite():
        return db_datetime(timezone.now() + dt.timedelta(seconds=seconds))
    return seconds


def ids_table(alias: str = "ids") -> str:
    """A FROM item with one column `<alias>.id`, fed by `ids_param(...)`."""
    if is_sqlite():
        return f"(SELECT CAST(value AS INTEGER) AS id FROM json_each(%s)) AS {alias}"
    return f"unnest(%s::bigint[]) AS {alias}(id)"


def in_ids(column: str) -> str:
    """`column IN <the ids parameter>`."""
    if is_sqlite():
        return f"{column} IN (SELECT value FROM json_each(%s))"
    return f"{column} = ANY(%s::bigint[])"


def ids_param(ids: Iterable[int]) -> Any:
    values = [int(i) for i in ids]
    return json.dumps(values) if is_sqlite() else values


def pairs_table(alias: str = "pairs", *, numeric: bool = False) -> str:
    """A FROM item with columns `<alias>.id`, `<alias>.val` (text, or bigint when `numeric`),
    fed by `pairs_params`."""
    if is_sqlite():
        cast = "INTEGER" if numeric else "TEXT"
        return (
            f"(SELECT CAST(json_extract(value, '$[0]') AS INTEGER) AS id, "
            f"CAST(json_extract(value, '$[1]') AS {cast}) AS val FROM json_each(%s)) AS {alias}"
        )
    kind = "bigint" if numeric else "text"
    return f"unnest(%s::bigint[], %s::{kind}[]) AS {alias}(id, val)"


def pairs_params(pairs: Sequence[tuple[int, Any]], *, numeric: bool = False) -> list[Any]:
    if is_sqlite():
        return [json.dumps([[int(a), b] for a, b in pairs])]
    return [[int(a) for a, _ in pairs], [int(b) if numeric else b for _, b in pairs]]


def times_table(alias: str = "times") -> str:
    """A FROM item with columns `<alias>.id`, `<alias>.at` (a datetime), fed by `times_params`."""
    if is_sqlite():
        return (
            f"(SELECT CAST(json_extract(value, '$[0]') AS INTEGER) AS id, "
            f"json_extract(value, '$[1]') AS at FROM json_each(%s)) AS {alias}"
        )
    return f"unnest(%s::bigint[], %s::timestamptz[]) AS {alias}(id, at)"


def times_params(pairs: Sequence[tuple[int, dt.datetime]]) -> list[Any]:
    if is_sqlite():
        return [json.dumps([[int(a), db_datetime(b)] for a, b in pairs])]
    return [[int(a) for a, _ in pairs], [b for _, b in pairs]]


def definition_node_type(definition: str, node: str) -> str:
    """An SQL expression: the `type` of the node whose id is `node` in a version's
    `definition` (JSON columns or expressions, as SQL text)."""
    if is_sqlite():
        return (
            f"(SELECT json_extract(n.value, '$.type') FROM json_each({definition}, '$.nodes') AS n "
            f"WHERE json_extract(n.value, '$.id') = {node} LIMIT 1)"
        )
    return (
        f"(SELECT n->>'type' FROM jsonb_array_elements({definition}->'nodes') AS n "
        f"WHERE n->>'id' = {node} LIMIT 1)"
    )


def allocate_ids(model: Any, count: int) -> list[int]:
    """`count` fresh primary keys for `model` (its sequence on PostgreSQL; on SQLite, with its
    one writer, the ones after the largest in use)."""
    if count <= 0:
        return []
    if is_sqlite():
        start = fetch(f"SELECT COALESCE(MAX(id), 0) FROM {table(model)}")[0][0] + 1
        seq = fetch("SELECT seq FROM sqlite_sequence WHERE name = %s", [model._meta.db_table])
        start = max(start, (seq[0][0] + 1) if seq else 1)
        return list(range(start, start + count))
    from audiences.db import next_ids

    with cursor() as c:
        return next_ids(c, model._meta.db_table, count)


def skip_locked() -> str:
    """`FOR UPDATE SKIP LOCKED` where it exists (SQLite has one writer anyway)."""
    return "" if is_sqlite() else "FOR UPDATE SKIP LOCKED"


def for_update() -> str:
    return "" if is_sqlite() else "FOR UPDATE"


def json_param(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


@contextmanager
def cursor() -> Iterator[Any]:
    """A cursor on Django's connection (same transaction). On PostgreSQL it binds parameters
    server-side: an id list travels as one binary array instead of a quoted literal the server
    parses again (a third of a 10,000-run entry's time). Errors come out as Django's."""
    if is_sqlite():
        with connection.cursor() as django_cursor:
            yield django_cursor
        return
    connection.ensure_connection()
    with connection.wrap_database_errors, _BinaryCursor(connection.connection) as pg_cursor:
        yield pg_cursor


_PLACEHOLDER = re.compile(r"(?<!%)%(\([A-Za-z_]\w*\))?s")


class _BinaryCursor(psycopg.Cursor):
    """Parameters travel in binary (`%b`): a 5,000-id array dumps in a quarter of the time of
    its text form, a 5,000-timestamp array in a tenth. Statements keep writing `%s` (the same
    text runs on SQLite)."""

    def execute(self, query, params=None, **kwargs):
        if isinstance(query, str):
            query = _PLACEHOLDER.sub(lambda m: f"%{m.group(1) or ''}b", query)
        return super().execute(query, params, **kwargs)


def fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    with cursor() as c:
        c.execute(sql, params)
        return c.fetchall()


def execute(sql: str, params: Sequence[Any] = ()) -> int:
    with cursor() as c:
        c.execute(sql, params)
        return c.rowcount


def table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)
