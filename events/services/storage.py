"""The set-based SQL of ingestion: a fixed number of round trips per batch, whatever its size.

On PostgreSQL (production, tests, benchmarks) arrays are bound as parameters, `unnest`-ed server
side, and the statements of a step are pipelined (sent together, one round trip):

1. `read_state`: which `_id`s were already processed, the known identities of the batch, and
   ids for the new log rows;
2. `resolve_profiles`: profiles for unknown identities (only when there are some);
3. `append`: the log rows and the match rows.

Lock order is deterministic (identities and `_id`s are inserted sorted), so two requests
carrying overlapping identities or `_id`s wait for each other instead of deadlocking. On the
embedded SQLite default (`make run`), whose IMMEDIATE transactions serialise writers, the same
steps run through the ORM (the `_portable` functions).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import psycopg
from django.db import connection, transaction

from audiences import profile_changes
from audiences.db import sequence_name
from audiences.models import Identity, Profile
from events.models import Event, EventMatch

if TYPE_CHECKING:
    from .ingestion import _Item

EVENT_TABLE = Event._meta.db_table
MATCH_TABLE = EventMatch._meta.db_table
IDENTITY_TABLE = Identity._meta.db_table
PROFILE_TABLE = Profile._meta.db_table
ACCEPTED = Event.Status.ACCEPTED
DUPLICATE = Event.Status.DUPLICATE
Key = tuple[str, str]  # (namespace, identity value)

_PROCESSED_IDS = f"SELECT external_id FROM {EVENT_TABLE} WHERE external_id = ANY(%b) AND NOT (status = 'duplicate')"
_KNOWN_IDENTITIES = (
    f"SELECT i.namespace, i.value, i.profile_id, p.is_test FROM {IDENTITY_TABLE} i "
    f"JOIN unnest(%b::text[], %b::text[]) AS k(namespace, value) "
    f"ON i.namespace = k.namespace AND i.value = k.value "
    f"JOIN {PROFILE_TABLE} p ON p.id = i.profile_id"
)
# the sequence named once per process (audiences.db.sequence_name): per row it cost 3 µs an id
_NEW_EVENT_IDS = "SELECT nextval(%b::regclass) FROM generate_series(1, %b)"
_INSERT_IDENTITIES = (
    f"INSERT INTO {IDENTITY_TABLE} (profile_id, namespace, value) "
    f"SELECT * FROM unnest(%b::bigint[], %b::text[], %b::text[]) "
    f"ON CONFLICT (namespace, value) DO NOTHING RETURNING namespace, value, profile_id"
)
_INSERT_EVENTS = (
    f"INSERT INTO {EVENT_TABLE} (id, external_id, status, reason, payload, profile_id, occurred_at, received_at) "
    f"SELECT id, external_id, status, reason, payload::jsonb, profile_id, occurred_at, %b "
    f"FROM unnest(%b::bigint[], %b::text[], %b::text[], %b::text[], %b::text[], %b::bigint[], %b::timestamptz[]) "
    f"AS t(id, external_id, status, reason, payload, profile_id, occurred_at)"
)
_CLAIM_EVENTS = (
    _INSERT_EVENTS
    + " ON CONFLICT (external_id) WHERE NOT (status = 'duplicate') DO NOTHING RETURNING id"
)
# Only for events that went in: a row that lost its `_id` to a concurrent request has no match.
_INSERT_MATCHES = (
    f"INSERT INTO {MATCH_TABLE} (event_id, configuration_id, profile_id, occurred_at) "
    f"SELECT m.* FROM unnest(%b::bigint[], %b::bigint[], %b::bigint[], %b::timestamptz[]) "
    f"AS m(event_id, configuration_id, profile_id, occurred_at) "
    f"WHERE EXISTS (SELECT 1 FROM {EVENT_TABLE} e WHERE e.id = m.event_id)"
)


@dataclass
class Known:
    """What the database already holds about a batch."""

    identities: dict[Key, int] = field(default_factory=dict)
    test_profiles: set[int] = field(default_factory=set)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _raw() -> psycopg.Connection:
    """Django's psycopg connection (same transaction)."""
    connection.ensure_connection()
    return connection.connection


def _cursor(conn: psycopg.Connection) -> psycopg.Cursor:
    """A server-side-binding cursor (Django's own bind on the client): arrays travel as binary
    parameters instead of being spelled out as SQL literals."""
    return psycopg.Cursor(conn)


def _accepted(items: Iterable[_Item]) -> list[_Item]:
    return [item for item in items if item.status == ACCEPTED]


def _claims_id(item: _Item) -> bool:
    return bool(item.external_id) and item.status != DUPLICATE


def _wanted_identities(items: list[_Item]) -> list[Key]:
    keys = {
        (config.namespace, config.identifier(item.payload))
        for item in _accepted(items)
        for config in item.configurations
        if config.is_unitary
    }
    return sorted(keys)


def read_state(items: list[_Item]) -> Known:
    """One round trip: items whose `_id` was already processed become duplicates; the known
    identities of the batch's unitary events are looked up; each item gets its log row id."""
    ids = [item.external_id for item in items if _claims_id(item)]
    keys = _wanted_identities(items)
    if not _postgres():
        return _read_state_portable(items, ids, keys)
    conn = _raw()
    with _cursor(conn) as lookup:
        event_sequence = sequence_name(lookup, EVENT_TABLE)
    with _cursor(conn) as processed, _cursor(conn) as known, _cursor(conn) as new_ids:
        with conn.pipeline():
            if ids:
                processed.execute(_PROCESSED_IDS, (ids,))
            if keys:
                known.execute(_KNOWN_IDENTITIES, ([k[0] for k in keys], [k[1] for k in keys]))
            new_ids.execute(_NEW_EVENT_IDS, (event_sequence, len(items)))
        done = {row[0] for row in processed.fetchall()} if ids else set()
        rows = known.fetchall() if keys else []
        for item, (event_id,) in zip(items, new_ids.fetchall(), strict=True):
            item.event_id = event_id
    _mark_processed(items, done)
    return Known(
        identities={(namespace, value): pid for namespace, value, pid, _ in rows},
        test_profiles={pid for _, _, pid, is_test in rows if is_test},
    )


def _mark_processed(items: list[_Item], processed: set[str]) -> None:
    for item in items:
        if _claims_id(item) and item.external_id in processed:
            item.mark_duplicate()


def resolve_profiles(items: list[_Item], known: Known) -> set[int]:
    """Set `item.profiles` for every unitary match: the profile holding the identity
    (namespace, identifier), created with that identity when unknown. Returns the ids of the
    profiles created here."""
    keys = _wanted_identities(items)
    missing = [key for key in keys if key not in known.identities]
    created = _create_profiles(missing, known.identities) if missing else set()
    for item in _accepted(items):
        for config in item.configurations:
            if config.is_unitary:
                key = (config.namespace, config.identifier(item.payload))
                item.profiles[config.id] = known.identities[key]
    return created


def _create_profiles(missing: list[Key], found: dict[Key, int]) -> set[int]:
    """One new profile per unknown identity. An identity a concurrent request created first
    wins: our profile for it is dropped and theirs used."""
    profiles = Profile.objects.bulk_create([Profile() for _ in missing])
    profile_ids = [profile.pk for profile in profiles]
    if _postgres():
        with _cursor(_raw()) as cursor:
            cursor.execute(
                _INSERT_IDENTITIES, (profile_ids, [k[0] for k in missing], [k[1] for k in missing])
            )
            inserted = {(ns, value): pid for ns, value, pid in cursor.fetchall()}
    else:
        inserted = _insert_identities_portable(profile_ids, missing)
    found.update(inserted)
    lost = [key for key in missing if key not in inserted]
    if lost:
        Profile.objects.filter(pk__in=set(profile_ids) - set(inserted.values())).delete()
        found.update(_find_identities(lost)[0])
    return set(inserted.values())


def _find_identities(keys: list[Key]) -> tuple[dict[Key, int], set[int]]:
    if not _postgres():
        return _find_identities_portable(keys)
    with _cursor(_raw()) as cursor:
        cursor.execute(_KNOWN_IDENTITIES, ([k[0] for k in keys], [k[1] for k in keys]))
        rows = cursor.fetchall()
    return {(ns, value): pid for ns, value, pid, _ in rows}, {pid for _, _, pid, t in rows if t}


def append(items: list[_Item], received_at: dt.datetime) -> None:
    """One round trip: the log rows and the match rows. Items claiming an `_id` insert with ON
    CONFLICT DO NOTHING against the partial unique index: a row that did not go in lost the race
    to a concurrent request (it has no match row) and is logged as a duplicate instead."""
    if not _postgres():
        _append_portable(items, received_at)
        return
    claiming = sorted(
        (item for item in items if _claims_id(item)), key=lambda item: item.external_id
    )
    others = [item for item in items if not _claims_id(item)]
    matches = _match_columns(items)
    conn = _raw()
    with _cursor(conn) as claim, _cursor(conn) as rest, _cursor(conn) as match:
        with conn.pipeline():
            if claiming:
                claim.execute(_CLAIM_EVENTS, _event_columns(claiming, received_at))
            if others:
                rest.execute(_INSERT_EVENTS, _event_columns(others, received_at))
            if matches:
                match.execute(_INSERT_MATCHES, matches)
        inserted = {row[0] for row in claim.fetchall()} if claiming else set()
    lost = [item for item in claiming if item.event_id not in inserted]
    if lost:
        for item in lost:
            item.mark_duplicate()
        with _cursor(conn) as cursor:
            cursor.execute(_INSERT_EVENTS, _event_columns(lost, received_at))


def _event_columns(items: list[_Item], received_at: dt.datetime) -> tuple:
    return (
        received_at,
        [item.event_id for item in items],
        [item.external_id for item in items],
        [str(item.status) for item in items],
        [item.reason for item in items],
        [item.payload_json for item in items],
        [item.profile_id for item in items],
        [item.occurred_at for item in items],
    )


def _match_rows(items: list[_Item]) -> list[tuple]:
    return [
        (item.event_id, config.id, item.profiles.get(config.id), item.occurred_at)
        for item in _accepted(items)
        for config in item.configurations
    ]


def _match_columns(items: list[_Item]) -> tuple | None:
    rows = _match_rows(items)
    return tuple(list(column) for column in zip(*rows, strict=True)) if rows else None


def drop_unused_profiles(created: set[int], items: list[_Item]) -> None:
    """A profile created for an item that turned out a duplicate (concurrent copy) goes again."""
    if not created:
        return
    used = {pid for item in _accepted(items) for pid in item.profiles.values()}
    unused = created - used
    if unused:
        Profile.objects.filter(pk__in=unused).delete()
        created -= unused


def announce_new_profiles(created: set[int]) -> None:
    """After commit, tell whoever follows profile changes (audience qualification) about the
    profiles events created."""
    ids = sorted(created)
    transaction.on_commit(lambda: profile_changes.publish(ids))


# --- The embedded SQLite default: the same steps through the ORM -------------------------------


def _read_state_portable(items: list[_Item], ids: list[str], keys: list[Key]) -> Known:
    processed = set(
        Event.objects.filter(external_id__in=ids)
        .exclude(status=DUPLICATE)
        .values_list("external_id", flat=True)
    )
    _mark_processed(items, processed)
    found, test_ids = _find_identities_portable(keys)
    return Known(identities=found, test_profiles=test_ids)


def _find_identities_portable(keys: list[Key]) -> tuple[dict[Key, int], set[int]]:
    found: dict[Key, int] = {}
    test_ids: set[int] = set()
    by_namespace: dict[str, list[str]] = {}
    for namespace, value in keys:
        by_namespace.setdefault(namespace, []).append(value)
    for namespace, values in by_namespace.items():
        rows = Identity.objects.filter(namespace=namespace, value__in=values)
        for value, profile_id, is_test in rows.values_list(
            "value", "profile_id", "profile__is_test"
        ):
            found[(namespace, value)] = profile_id
            if is_test:
                test_ids.add(profile_id)
    return found, test_ids


def _insert_identities_portable(profile_ids: list[int], keys: list[Key]) -> dict[Key, int]:
    identities = [
        Identity(profile_id=pid, namespace=namespace, value=value)
        for pid, (namespace, value) in zip(profile_ids, keys, strict=True)
    ]
    Identity.objects.bulk_create(identities, ignore_conflicts=True)
    mine = set(profile_ids)
    return {key: pid for key, pid in _find_identities_portable(keys)[0].items() if pid in mine}


def _append_portable(items: list[_Item], received_at: dt.datetime) -> None:
    rows = [
        Event(
            external_id=item.external_id,
            status=item.status,
            reason=item.reason,
            payload=item.payload,
            profile_id=item.profile_id,
            occurred_at=item.occurred_at,
            received_at=received_at,
        )
        for item in items
    ]
    for item, event in zip(items, Event.objects.bulk_create(rows), strict=True):
        item.event_id = event.pk
    EventMatch.objects.bulk_create(
        [
            EventMatch(event_id=e, configuration_id=c, profile_id=p, occurred_at=t)
            for e, c, p, t in _match_rows(items)
        ]
    )
