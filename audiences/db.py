"""PostgreSQL helpers every app's set-based writers share (audiences is the bottom layer:
events and journeys import it, never the other way round)."""

from __future__ import annotations

from typing import Any

_SEQUENCES: dict[str, str] = {}


def next_ids(cursor: Any, table: str, count: int) -> list[int]:
    """`count` fresh ids from `table`'s id sequence, in one statement and one row back. The
    sequence is named once per process: `pg_get_serial_sequence` evaluated per row cost
    3 µs an id, more than the insert it was for."""
    if count <= 0:
        return []
    cursor.execute(
        "SELECT array_agg(nextval(%s::regclass)) FROM generate_series(1, %s)",
        [sequence_name(cursor, table), count],
    )
    return list(cursor.fetchone()[0])


def sequence_name(cursor: Any, table: str) -> str:
    """The name of `table`'s id sequence (looked up once per process)."""
    if table not in _SEQUENCES:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        _SEQUENCES[table] = cursor.fetchone()[0]
    return _SEQUENCES[table]
