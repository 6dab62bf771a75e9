"""The set-based SQL of ingestion: each function is one or two statements for the whole batch,
whatever its size.

On PostgreSQL (production, tests, benchmarks) arrays are bound as parameters and `unnest`-ed
server side. Lock order is deterministic (identities and `_id`s are inserted sorted), so two
requests carrying overlapping identities or `_id`s wait for each other instead of deadlocking.
On the embedded SQLite default (`make run`), whose IMMEDIATE transactions serialise writers,
the same steps run through the ORM (the `_portable` functions).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

import psycopg
from django.db import connection, transaction

from audiences import profile_changes
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


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _cursor() -> psycopg.Cursor:
    """A server-side-binding psycopg cursor on Django's connection (same transaction): arrays
    travel as parameters instead of being spelled out as SQL literals."""
    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def _accepted(items: Iterable[_Item]) -> list[_Item]:
    return [item for item in items if item.status == ACCEPTED]


def _claims_id(item: _Item) -> bool:
    return bool(item.external_id) and item.status != DUPLICATE


def mark_processed_duplicates(items: list[_Item]) -> None:
    """Items whose `_id` was already processed (by an earlier request) become duplicates."""
    ids = [item.external_id for item in items if _claims_id(item)]
    if not ids:
        return
    if _postgres():
        sql = f"SELECT external_id FROM {EVENT_TABLE} WHERE external_id = ANY(%b) AND NOT (status = 'duplicate')"
        with _cursor() as cursor:
            cursor.execute(sql, (ids,))
            processed = {row[0] for row in cursor.fetchall()}
    else:
        rows = Event.objects.filter(external_id__in=ids).exclude(status=DUPLICATE)
        processed = set(rows.values_list("external_id", flat=True))
    for item in items:
        if _claims_id(item) and item.external_id in processed:
            item.mark_duplicate()


def resolve_profiles(items: list[_Item]) -> tuple[set[int], set[int]]:
    """Set `item.profiles` for every unitary match: the profile holding the identity
    (namespace, identifier), created with that identity when unknown.
    Returns (ids of profiles created here, ids of test profiles among those found)."""
    wanted: set[Key] = set()
    for item in _accepted(items):
        for config in item.configurations:
            if config.is_unitary:
                wanted.add((config.namespace, config.identifier(item.payload)))
    if not wanted:
        return set(), set()
    keys = sorted(wanted)
    found, test_ids = _find_identities(keys)
    missing = [key for key in keys if key not in found]
    created = _create_profiles(missing, found) if missing else set()
    for item in _accepted(items):
        for config in item.configurations:
            if config.is_unitary:
                key = (config.namespace, config.identifier(item.payload))
                item.profiles[config.id] = found[key]
    return created, test_ids


def _find_identities(keys: list[Key]) -> tuple[dict[Key, int], set[int]]:
    """{key: profile id} of the known identities, and which of those profiles are test ones."""
    if not _postgres():
        return _find_identities_portable(keys)
    sql = (
        f"SELECT i.namespace, i.value, i.profile_id, p.is_test FROM {IDENTITY_TABLE} i "
        f"JOIN unnest(%b::text[], %b::text[]) AS k(namespace, value) "
        f"ON i.namespace = k.namespace AND i.value = k.value "
        f"JOIN {PROFILE_TABLE} p ON p.id = i.profile_id"
    )
    with _cursor() as cursor:
        cursor.execute(sql, ([k[0] for k in keys], [k[1] for k in keys]))
        rows = cursor.fetchall()
    found = {(namespace, value): pid for namespace, value, pid, _ in rows}
    return found, {pid for _, _, pid, is_test in rows if is_test}


def _create_profiles(missing: list[Key], found: dict[Key, int]) -> set[int]:
    """One new profile per unknown identity. An identity a concurrent request created first
    wins: our profile for it is dropped and theirs used."""
    profiles = Profile.objects.bulk_create([Profile() for _ in missing])
    profile_ids = [profile.pk for profile in profiles]
    if _postgres():
        sql = (
            f"INSERT INTO {IDENTITY_TABLE} (profile_id, namespace, value) "
            f"SELECT * FROM unnest(%b::bigint[], %b::text[], %b::text[]) "
            f"ON CONFLICT (namespace, value) DO NOTHING RETURNING namespace, value, profile_id"
        )
        with _cursor() as cursor:
            cursor.execute(sql, (profile_ids, [k[0] for k in missing], [k[1] for k in missing]))
            inserted = {(ns, value): pid for ns, value, pid in cursor.fetchall()}
    else:
        inserted = _insert_identities_portable(profile_ids, missing)
    found.update(inserted)
    lost = [key for key in missing if key not in inserted]
    if lost:
        Profile.objects.filter(pk__in=set(profile_ids) - set(inserted.values())).delete()
        found.update(_find_identities(lost)[0])
    return set(inserted.values())


def append_events(items: list[_Item], received_at: dt.datetime) -> None:
    """Insert one log row per item (ids drawn first, so each item knows its row). Items
    claiming an `_id` insert with ON CONFLICT DO NOTHING against the partial unique index: a row
    that did not go in lost the race to a concurrent request and is logged as a duplicate."""
    if not _postgres():
        _append_events_portable(items, received_at)
        return
    with _cursor() as cursor:
        cursor.execute(
            f"SELECT nextval(pg_get_serial_sequence('{EVENT_TABLE}', 'id')) FROM generate_series(1, %b)",
            (len(items),),
        )
        for item, (event_id,) in zip(items, cursor.fetchall(), strict=True):
            item.event_id = event_id
        claiming = sorted(
            (item for item in items if _claims_id(item)), key=lambda item: item.external_id
        )
        others = [item for item in items if not _claims_id(item)]
        if claiming:
            cursor.execute(
                _INSERT_EVENTS
                + " ON CONFLICT (external_id) WHERE NOT (status = 'duplicate') DO NOTHING RETURNING id",
                _event_columns(claiming, received_at),
            )
            inserted = {row[0] for row in cursor.fetchall()}
            lost = [item for item in claiming if item.event_id not in inserted]
            for item in lost:
                item.mark_duplicate()
            others.extend(lost)
        if others:
            cursor.execute(_INSERT_EVENTS, _event_columns(others, received_at))


_INSERT_EVENTS = (
    f"INSERT INTO {EVENT_TABLE} (id, external_id, status, reason, payload, profile_id, occurred_at, received_at) "
    f"SELECT id, external_id, status, reason, payload::jsonb, profile_id, occurred_at, %b "
    f"FROM unnest(%b::bigint[], %b::text[], %b::text[], %b::text[], %b::text[], %b::bigint[], %b::timestamptz[]) "
    f"AS t(id, external_id, status, reason, payload, profile_id, occurred_at)"
)


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


def append_matches(items: list[_Item]) -> None:
    """One match row per (accepted event, configuration)."""
    rows = [
        (item.event_id, config.id, item.profiles.get(config.id), item.occurred_at)
        for item in _accepted(items)
        for config in item.configurations
    ]
    if not rows:
        return
    if not _postgres():
        EventMatch.objects.bulk_create(
            [
                EventMatch(event_id=e, configuration_id=c, profile_id=p, occurred_at=t)
                for e, c, p, t in rows
            ]
        )
        return
    columns = tuple(list(column) for column in zip(*rows, strict=True))
    with _cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {MATCH_TABLE} (event_id, configuration_id, profile_id, occurred_at) "
            f"SELECT * FROM unnest(%b::bigint[], %b::bigint[], %b::bigint[], %b::timestamptz[])",
            columns,
        )


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


def _append_events_portable(items: list[_Item], received_at: dt.datetime) -> None:
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
