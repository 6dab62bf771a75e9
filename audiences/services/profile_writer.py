"""Set-based writes of many profiles at once: one statement per kind of change, never a
per-row loop. PostgreSQL gets COPY and array parameters (`unnest`), other databases (the SQLite of
`make run`) the ORM's bulk operations. Both writers take and give the same plain data.

A row to write is a tuple of the values of `PROFILE_COLUMNS`, in that order (JSON columns as
Python values); updates are `(id, row)` pairs. Rows read back (`lock_profiles`) are dicts.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import orjson
import psycopg
from django.db import connection
from django.utils import timezone

from audiences.db import next_ids
from audiences.models import Identity, Profile

PROFILE_COLUMNS = (
    "first_name",
    "last_name",
    "city",
    "birth_year",
    "timezone",
    "attributes",
    "phone",
    "push_tokens",
    "consent_email",
    "consent_push",
    "consent_sms",
    "is_test",
)
_PG_TYPES = {
    "first_name": "varchar",
    "last_name": "varchar",
    "city": "varchar",
    "birth_year": "smallint",
    "timezone": "varchar",
    "attributes": "text",
    "phone": "varchar",
    "push_tokens": "text",
    "consent_email": "bool",
    "consent_push": "bool",
    "consent_sms": "bool",
    "is_test": "bool",
}
_JSON_COLUMNS = ("attributes", "push_tokens")


class ProfileWriter:
    """The ORM writer: portable, used where PostgreSQL's array parameters are not available."""

    def lookup_identities(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """(namespace, value) -> profile id of the identities that exist."""
        by_namespace: dict[str, list[str]] = defaultdict(list)
        for namespace, value in keys:
            by_namespace[namespace].append(value)
        found: dict[tuple[str, str], int] = {}
        for namespace, values in by_namespace.items():
            rows = Identity.objects.filter(namespace=namespace, value__in=values)
            for value, pid in rows.values_list("value", "profile_id"):
                found[(namespace, value)] = pid
        return found

    def lock_profiles(self, ids: Sequence[int]) -> dict[int, dict]:
        """The current rows of these profiles, locked until commit (id order: no deadlocks)."""
        rows = Profile.objects.select_for_update().filter(id__in=ids).order_by("id")
        return {row["id"]: row for row in rows.values("id", *PROFILE_COLUMNS)}

    def identities_of(self, ids: Sequence[int]) -> list[tuple[int, str, str]]:
        rows = Identity.objects.filter(profile_id__in=ids)
        return list(rows.values_list("profile_id", "namespace", "value"))

    def insert_profiles(self, rows: Sequence[tuple]) -> list[int]:
        profiles = [Profile(**dict(zip(PROFILE_COLUMNS, row, strict=True))) for row in rows]
        return [profile.pk for profile in Profile.objects.bulk_create(profiles)]

    def update_profiles(self, rows: Sequence[tuple[int, tuple]]) -> None:
        now = timezone.now()
        profiles = [
            Profile(id=pid, **dict(zip(PROFILE_COLUMNS, row, strict=True)), updated_at=now)
            for pid, row in rows
        ]
        Profile.objects.bulk_update(profiles, [*PROFILE_COLUMNS, "updated_at"], batch_size=200)

    def delete_identities(self, pairs: Sequence[tuple[int, str]]) -> None:
        by_namespace: dict[str, list[int]] = defaultdict(list)
        for profile_id, namespace in pairs:
            by_namespace[namespace].append(profile_id)
        for namespace, profile_ids in by_namespace.items():
            Identity.objects.filter(namespace=namespace, profile_id__in=profile_ids).delete()

    def insert_identities(self, triples: Sequence[tuple[int, str, str]]) -> None:
        Identity.objects.bulk_create(
            [Identity(profile_id=pid, namespace=ns, value=value) for pid, ns, value in triples]
        )


class PostgresProfileWriter(ProfileWriter):
    """New rows arrive by COPY (ids drawn from the sequence first, so each row's id is known);
    changes by one `UPDATE/DELETE … FROM unnest(arrays)`. Parameters are bound server-side,
    not quoted into the SQL text.

    Both are spelled in PostgreSQL's text formats by hand (`_copy_block`, `_array`): psycopg's
    row and list dumpers cost 1.5-4 µs a value, more than everything else a new profile needs
    on the Python side."""

    profile_table = Profile._meta.db_table
    identity_table = Identity._meta.db_table

    def lookup_identities(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        if not keys:
            return {}
        with self._cursor() as cursor:
            cursor.execute(
                f"SELECT i.namespace, i.value, i.profile_id FROM {self.identity_table} AS i "
                "JOIN unnest(%s::varchar[], %s::varchar[]) AS k(namespace, value) "
                "ON i.namespace = k.namespace AND i.value = k.value",
                [_array([k[0] for k in keys]), _array([k[1] for k in keys])],
            )
            return {(ns, value): pid for ns, value, pid in cursor.fetchall()}

    def lock_profiles(self, ids: Sequence[int]) -> dict[int, dict]:
        if not ids:
            return {}
        columns = ("id", *PROFILE_COLUMNS)
        with self._cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(columns)} FROM {self.profile_table} "
                "WHERE id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE",
                [_array(ids)],
            )
            rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        for row in rows:  # Django's connection hands jsonb over as text
            for column in _JSON_COLUMNS:
                if isinstance(row[column], str):
                    row[column] = json.loads(row[column])
        return {row["id"]: row for row in rows}

    def identities_of(self, ids: Sequence[int]) -> list[tuple[int, str, str]]:
        if not ids:
            return []
        with self._cursor() as cursor:
            cursor.execute(
                f"SELECT profile_id, namespace, value FROM {self.identity_table} "
                "WHERE profile_id = ANY(%s::bigint[])",
                [_array(ids)],
            )
            return cursor.fetchall()

    def insert_profiles(self, rows: Sequence[tuple]) -> list[int]:
        if not rows:
            return []
        with self._cursor() as cursor:
            ids = next_ids(cursor, self.profile_table, len(rows))
            now = timezone.now()
            stamp = now.isoformat()
            lines = [
                f"{pid}\t{first}\t{last}\t{city}\t{_NULL if year is None else year}\t{tz}\t"
                f"{_json(attributes)}\t{phone}\t{_json(tokens)}\t{'t' if c_email else 'f'}\t"
                f"{'t' if c_push else 'f'}\t{'t' if c_sms else 'f'}\t{'t' if test else 'f'}\t"
                f"{stamp}\t{stamp}\n"
                for pid, (
                    first, last, city, year, tz, attributes, phone, tokens,
                    c_email, c_push, c_sms, test,
                ) in zip(ids, rows, strict=True)
            ]  # fmt: skip
            nulls = sum(1 for row in rows if row[3] is None)
            columns = ", ".join(PROFILE_COLUMNS)
            copy_sql = (
                f"COPY {self.profile_table} (id, {columns}, created_at, updated_at) FROM STDIN"
            )
            with cursor.copy(copy_sql) as copy:
                block = _copy_block(lines, columns=len(PROFILE_COLUMNS) + 3, nulls=nulls)
                if block is not None:
                    copy.write(block)
                else:
                    for pid, row in zip(ids, rows, strict=True):
                        copy.write_row((pid, *self._values(row), now, now))
        return ids

    def update_profiles(self, rows: Sequence[tuple[int, tuple]]) -> None:
        if not rows:
            return
        columns = list(zip(*(self._values(row) for _, row in rows), strict=True))
        assignments = ", ".join(
            f"{c} = v.{c}::jsonb" if c in _JSON_COLUMNS else f"{c} = v.{c}" for c in PROFILE_COLUMNS
        )
        unnest_args = ", ".join(f"%s::{_PG_TYPES[c]}[]" for c in PROFILE_COLUMNS)
        with self._cursor() as cursor:
            cursor.execute(
                f"UPDATE {self.profile_table} AS p SET {assignments}, updated_at = now() "
                f"FROM unnest(%s::bigint[], {unnest_args}) AS v(id, {', '.join(PROFILE_COLUMNS)}) "
                "WHERE p.id = v.id",
                [_array([pid for pid, _ in rows]), *(_array(column) for column in columns)],
            )

    def delete_identities(self, pairs: Sequence[tuple[int, str]]) -> None:
        if not pairs:
            return
        with self._cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {self.identity_table} AS i "
                "USING unnest(%s::bigint[], %s::varchar[]) AS d(profile_id, namespace) "
                "WHERE i.profile_id = d.profile_id AND i.namespace = d.namespace",
                [_array([p for p, _ in pairs]), _array([n for _, n in pairs])],
            )

    def insert_identities(self, triples: Sequence[tuple[int, str, str]]) -> None:
        if not triples:
            return
        lines = [f"{pid}\t{ns}\t{value}\n" for pid, ns, value in triples]
        with self._cursor() as cursor:
            copy_sql = f"COPY {self.identity_table} (profile_id, namespace, value) FROM STDIN"
            with cursor.copy(copy_sql) as copy:
                block = _copy_block(lines, columns=3, nulls=0)
                if block is not None:
                    copy.write(block)
                else:
                    for triple in triples:
                        copy.write_row(triple)

    @staticmethod
    @contextmanager
    def _cursor() -> Iterator[psycopg.Cursor]:
        """A server-side-binding cursor on Django's connection (same transaction); database
        errors come out as Django's (IntegrityError…), like from any ORM call."""
        connection.ensure_connection()
        with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
            yield cursor

    @staticmethod
    def _values(row: tuple) -> tuple:
        """The row with its JSON columns as text."""
        values = list(row)
        for index in _JSON_INDEXES:
            values[index] = _json(values[index])
        return tuple(values)


_NULL = "\\N"
_JSON_INDEXES = tuple(PROFILE_COLUMNS.index(c) for c in _JSON_COLUMNS)


def _json(value: Any) -> str:
    """JSON text for a jsonb column (orjson: 0.1 µs against json's 1.5; json for what orjson
    refuses, such as integers beyond 64 bits)."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value)


def _copy_block(lines: list[str], *, columns: int, nulls: int) -> str | None:
    """Pre-formatted COPY text lines joined, or None when a value holds a tab, newline, carriage
    return or backslash (which COPY would read as a delimiter or an escape): such batches go
    through psycopg's `write_row`, which escapes. Counting is enough: every such character adds
    to what a clean block holds, which is `columns - 1` tabs and one newline a line, and one
    backslash per NULL (`\\N`)."""
    block = "".join(lines)
    if (
        block.count("\t") == len(lines) * (columns - 1)
        and block.count("\n") == len(lines)
        and block.count("\\") == nulls
        and "\r" not in block
    ):
        return block
    return None


def _array(values: Sequence[Any]) -> str:
    """An array parameter in PostgreSQL's text form (`{"a","b"}`, `{1,NULL}`), bound as one
    string: psycopg dumps a list element by element (~1.3 µs each). Strings are quoted (and
    escaped when they hold a quote or a backslash); None is NULL; numbers and booleans as such."""
    if not values:
        return "{}"
    if all(type(v) is str for v in values):
        body = '","'.join(values)
        if "\\" in body or body.count('"') != 2 * (len(values) - 1):
            body = '","'.join([v.replace("\\", "\\\\").replace('"', '\\"') for v in values])
        return '{"' + body + '"}'
    return "{" + ",".join([_array_element(v) for v in values]) + "}"


def _array_element(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)  # int, or bool (PostgreSQL reads True/False)


def profile_writer() -> ProfileWriter:
    if connection.vendor == "postgresql":
        return PostgresProfileWriter()
    return ProfileWriter()
