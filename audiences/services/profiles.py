"""Profile writes: upsert one, upsert a batch, update, delete. One path serves the API, the
batch API, PATCH and the CSV import (`profiles_upsert_batch`; the import calls its two halves,
`profiles_validate_batch` then `profiles_upsert_validated`, to validate ahead of the writes).

An upsert is matched on any of its identities. What a matched payload does to the profile:
given core attributes replace, custom attributes merge (`null` removes one), push tokens are
added (PATCH replaces them), an identity in a namespace the profile already has replaces it.
Items of one batch that share an identity (or a profile) apply in order to the same profile.
Identities that point at two different profiles are refused (`identities`).

After commit, the ids of created or changed profiles go to `audiences.profile_changes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from django.db import IntegrityError, transaction

from audiences import profile_changes
from audiences.models import Profile

from .profile_input import FieldError, ProfileInput, parse_profile
from .profile_writer import PROFILE_COLUMNS, profile_writer

MAX_BATCH = 1000
_RETRIES = 3  # a concurrent writer may create the same new identity between look-up and insert

NEW_PROFILE = {  # a new profile's columns before its items apply
    "first_name": "",
    "last_name": "",
    "city": "",
    "birth_year": None,
    "timezone": "",
    "attributes": {},
    "phone": "",
    "push_tokens": [],
    "consent_email": False,
    "consent_push": False,
    "consent_sms": False,
    "is_test": False,
}


class ProfileInputError(Exception):
    """The payload was refused; nothing was written. `errors` name each offending field."""

    def __init__(self, errors: Sequence[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = list(errors)


@dataclass
class BatchResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ids: list[int | None] = field(default_factory=list)  # per item; None where refused
    created_flags: list[bool] = field(default_factory=list)  # per item: its profile is new
    errors: list[FieldError] = field(default_factory=list)  # partial mode: the refused items


@dataclass
class UpsertOutcome:
    profile_id: int
    created: bool


@dataclass
class ValidatedBatch:
    """A batch after validation (no database yet): the valid items with their index in the
    batch, the refused ones' errors. Item paths (`items[3]`) are only spelled for errors."""

    size: int
    parsed: list[tuple[int, ProfileInput]]
    errors: list[tuple[int, FieldError]]  # (item index, error)
    first_index: int | None = 0  # paths are `items[first_index + i]`; None: one bare payload

    def path(self, index: int) -> str:
        return "" if self.first_index is None else f"items[{self.first_index + index}]"


def profile_upsert(*, data: Any) -> UpsertOutcome:
    """Create or update one profile matched on any of its identities."""
    outcome = parse_profile(data)
    errors = outcome if isinstance(outcome, list) else []
    parsed = [] if errors else [(0, outcome)]
    batch = ValidatedBatch(1, parsed, [(0, e) for e in errors], first_index=None)
    result = profiles_upsert_validated(batch=batch)
    return UpsertOutcome(profile_id=result.ids[0], created=result.created_flags[0])


def profiles_upsert_batch(
    *, items: Any, partial: bool = False, first_index: int = 0
) -> BatchResult:
    """Upsert up to 1,000 profiles in one transaction.

    Strict (API): one bad item refuses the batch, errors named `items[3].attributes.birth_year`.
    Partial (CSV import): bad items are left out and listed in `errors`, the rest is written.
    """
    batch = profiles_validate_batch(items=items, first_index=first_index)
    return profiles_upsert_validated(batch=batch, partial=partial)


def profiles_validate_batch(*, items: Any, first_index: int = 0) -> ValidatedBatch:
    """The first half of `profiles_upsert_batch`, without the database: the CSV import
    validates the next chunk while the current one is written."""
    if not isinstance(items, list):
        raise ProfileInputError([FieldError("items", "Must be a list of profiles.")])
    if not items:
        raise ProfileInputError([FieldError("items", "Give at least one profile.")])
    if len(items) > MAX_BATCH:
        raise ProfileInputError(
            [FieldError("items", f"At most {MAX_BATCH} profiles per batch (got {len(items)}).")]
        )
    parsed: list[tuple[int, ProfileInput]] = []
    errors: list[tuple[int, FieldError]] = []
    for index, item in enumerate(items):
        outcome = parse_profile(item)
        if isinstance(outcome, list):  # again, with the item's path in the errors
            prefix = f"items[{first_index + index}]"
            errors += [(index, e) for e in parse_profile(item, prefix=prefix)]
        else:
            parsed.append((index, outcome))
    return ValidatedBatch(len(items), parsed, errors, first_index)


def profiles_upsert_validated(*, batch: ValidatedBatch, partial: bool = False) -> BatchResult:
    """The second half of `profiles_upsert_batch`: refuse all (strict) or set the bad items
    aside (partial), then resolve, fold and write in one transaction."""
    if batch.errors and not partial:
        raise ProfileInputError([e for _, e in batch.errors])
    result, conflicts = _apply_with_retries(batch, partial=partial)
    if batch.errors or conflicts:
        errors = sorted(batch.errors + conflicts, key=itemgetter(0))  # item order (stable)
        result.errors = [e for _, e in errors]
    return result


def profile_update(*, profile_id: int, data: Any) -> bool:
    """PATCH one profile: like an upsert on that profile, identities optional, push tokens
    replaced. Returns whether anything changed; raises Profile.DoesNotExist."""
    if not Profile.objects.filter(pk=profile_id).exists():
        raise Profile.DoesNotExist(profile_id)
    parsed = parse_profile(data, require_identity=False)
    if isinstance(parsed, list):
        raise ProfileInputError(parsed)
    batch = ValidatedBatch(1, [(0, parsed)], [], first_index=None)
    result, _ = _apply_with_retries(batch, partial=False, target_id=profile_id, replace_tokens=True)
    return bool(result.updated)


def profile_delete(*, profile_id: int) -> bool:
    """Delete a profile with its identities. Returns whether it existed."""
    return bool(profiles_delete(profile_ids=[profile_id]))


def profiles_delete(*, profile_ids: Sequence[int]) -> int:
    """Delete profiles with their identities; returns how many existed. The profiles are locked
    first (id order), as every upsert locks the profiles it changes: an identity is never added
    to a profile being deleted (identities carry no database FK)."""
    with transaction.atomic():
        ids = list(
            Profile.objects.select_for_update()
            .filter(pk__in=list(profile_ids))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if ids:
            Profile.objects.filter(pk__in=ids).delete()
    return len(ids)


# --- The one upsert path ----------------------------------------------------------------------


Conflicts = list[tuple[int, FieldError]]  # (item index, identities of two profiles)


def _apply_with_retries(
    batch: ValidatedBatch, *, partial: bool, target_id=None, replace_tokens=False
) -> tuple[BatchResult, Conflicts]:
    for attempt in range(_RETRIES):
        try:
            with transaction.atomic():
                return _apply(
                    batch, partial=partial, target_id=target_id, replace_tokens=replace_tokens
                )
        except IntegrityError:
            if attempt == _RETRIES - 1:
                raise
    raise AssertionError("unreachable")


@dataclass(eq=False)  # identity semantics: groups live in sets
class _Group:
    """Items of a batch that end up on one profile (existing: `profile_id`, or a new one)."""

    profile_id: int | None
    items: list[int] = field(default_factory=list)
    merged_into: _Group | None = None

    def root(self) -> _Group:
        group = self
        while group.merged_into is not None:
            group = group.merged_into
        return group


def _apply(
    batch: ValidatedBatch, *, partial, target_id, replace_tokens
) -> tuple[BatchResult, Conflicts]:
    """Inside the transaction: look up identities; if every item is someone new on their own,
    insert them; otherwise group items by profile, lock and read the matched profiles, fold each
    group's items over its profile, write the differences."""
    parsed = batch.parsed
    writer = profile_writer()
    keys: set[tuple[str, str]] = set()
    given = 0
    for _, inp in parsed:
        keys.update(inp.identities.items())
        given += len(inp.identities)
    found = writer.lookup_identities(keys)
    if not found and target_id is None and len(keys) == given:
        return _insert_new(batch, writer), []

    inputs = dict(parsed)
    groups, conflicts = _group_items(batch, found, target_id)
    if conflicts and not partial:
        raise ProfileInputError([e for _, e in conflicts])
    existing_ids = sorted({g.profile_id for g in groups if g.profile_id is not None})
    current = writer.lock_profiles(existing_ids)
    if target_id is not None and target_id not in current:
        raise Profile.DoesNotExist(target_id)
    current_identities: dict[int, dict[str, str]] = {pid: {} for pid in existing_ids}
    for pid, ns, value in writer.identities_of(existing_ids):
        current_identities[pid][ns] = value

    new_rows, new_groups, updates, deletes, inserts = [], [], [], [], []
    new_identities: list[dict[str, str]] = []
    result = BatchResult()
    for group in groups:
        old_row = current.get(group.profile_id) if group.profile_id else None
        row, identities = _fold(
            group, inputs, old_row, current_identities.get(group.profile_id, {}), replace_tokens
        )
        if old_row is None:
            new_rows.append(_row_values(row))
            new_groups.append(group)
            new_identities.append(identities)
            continue
        old_identities = current_identities[group.profile_id]
        changed_ns = [ns for ns, value in identities.items() if old_identities.get(ns) != value]
        deletes += [(group.profile_id, ns) for ns in changed_ns if ns in old_identities]
        inserts += [(group.profile_id, ns, identities[ns]) for ns in changed_ns]
        row_changed = any(row[c] != old_row[c] for c in PROFILE_COLUMNS)
        if row_changed:
            updates.append((group.profile_id, _row_values(row)))
        if row_changed or changed_ns:
            result.updated += 1
        else:
            result.unchanged += 1

    writer.delete_identities(deletes)
    new_ids = writer.insert_profiles(new_rows)
    for group, pid, identities in zip(new_groups, new_ids, new_identities, strict=True):
        group.profile_id = pid
        inserts += [(pid, ns, value) for ns, value in identities.items()]
    writer.update_profiles(updates)
    writer.insert_identities(inserts)
    result.created = len(new_ids)

    result.ids = [None] * batch.size
    result.created_flags = [False] * batch.size
    new_set = set(new_ids)
    for group in groups:
        for index in group.items:
            result.ids[index] = group.profile_id
            result.created_flags[index] = group.profile_id in new_set
    changed = (
        new_ids + [pid for pid, _ in updates] + [pid for pid, _, _ in inserts if pid not in new_set]
    )
    _publish_on_commit(list(dict.fromkeys(changed)))
    return result, conflicts


def _insert_new(batch: ValidatedBatch, writer) -> BatchResult:
    """The common batch: no identity is known and no two items share one, so each item is a
    new profile of its own; rows are made straight from the items (no grouping, no folding)."""
    parsed = batch.parsed
    new_ids = writer.insert_profiles([_new_row(inp) for _, inp in parsed])
    writer.insert_identities(
        [
            (pid, ns, value)
            for pid, (_, inp) in zip(new_ids, parsed, strict=True)
            for ns, value in inp.identities.items()
        ]
    )
    result = BatchResult(created=len(new_ids))
    if len(parsed) == batch.size:
        result.ids, result.created_flags = list(new_ids), [True] * batch.size
    else:
        result.ids, result.created_flags = [None] * batch.size, [False] * batch.size
        for pid, (index, _) in zip(new_ids, parsed, strict=True):
            result.ids[index] = pid
            result.created_flags[index] = True
    _publish_on_commit(new_ids)
    return result


def _publish_on_commit(changed: list[int]) -> None:
    if changed:
        transaction.on_commit(lambda: profile_changes.publish(changed))


def _group_items(batch: ValidatedBatch, found, target_id) -> tuple[list[_Group], Conflicts]:
    """Union the items that share an identity or a matched profile; an item whose identities
    lead to two different profiles is refused. Groups come out in order of their first item."""
    by_key: dict[tuple[str, str], _Group] = {}
    by_profile: dict[int, _Group] = {}
    created: list[_Group] = []
    conflicts: Conflicts = []
    for index, inp in batch.parsed:
        keys = list(inp.identities.items())
        if target_id is None and not any(k in by_key or k in found for k in keys):
            group = _Group(profile_id=None, items=[index])  # the common case: someone new
            created.append(group)
            by_key.update(dict.fromkeys(keys, group))
            continue
        touched = {by_key[k].root() for k in keys if k in by_key}
        profile_ids = {found[k] for k in keys if k in found}
        profile_ids |= {g.profile_id for g in touched if g.profile_id}
        if target_id is not None:
            profile_ids.add(target_id)
        if len(profile_ids) > 1:
            conflicts.append((index, _conflict(batch.path(index), inp, found, profile_ids)))
            continue
        pid = next(iter(profile_ids), None)
        if pid is not None and pid in by_profile:
            touched.add(by_profile[pid].root())
        if touched:
            group = min(touched, key=lambda g: g.items[0])
        else:
            group = _Group(profile_id=pid)
            created.append(group)
        for other in touched:
            if other is not group:
                group.items += other.items
                other.merged_into = group
        group.profile_id = pid
        group.items.append(index)
        by_key.update(dict.fromkeys(keys, group))
        if pid is not None:
            by_profile[pid] = group
    groups = [g for g in created if g.merged_into is None]
    for group in groups:
        group.items.sort()
    return groups, conflicts


def _conflict(path: str, inp: ProfileInput, found, profile_ids: set[int]) -> FieldError:
    owners = ", ".join(
        f"{ns} {value} → profile {found[(ns, value)]}"
        for ns, value in inp.identities.items()
        if (ns, value) in found
    )
    prefix = f"{path}.identities" if path else "identities"
    return FieldError(
        prefix,
        f"These identities belong to different profiles ({owners or ', '.join(map(str, sorted(profile_ids)))}); nothing was merged.",
    )


def _fold(group: _Group, inputs: dict[int, ProfileInput], old_row, old_identities, replace_tokens):
    """The profile row and identities after applying the group's items in order."""
    row = dict(old_row) if old_row else dict(NEW_PROFILE)
    row.pop("id", None)
    row["attributes"] = dict(row["attributes"] or {})
    row["push_tokens"] = list(row["push_tokens"] or [])
    identities = dict(old_identities)
    for index in group.items:
        inp = inputs[index]
        identities.update(inp.identities)
        row.update(inp.core)
        for key, value in inp.custom.items():
            if value is None:
                row["attributes"].pop(key, None)
            else:
                row["attributes"][key] = value
        if inp.push_tokens is not None:
            if replace_tokens:
                row["push_tokens"] = list(inp.push_tokens)
            else:
                row["push_tokens"] += [t for t in inp.push_tokens if t not in row["push_tokens"]]
    return row, identities


_row_values = itemgetter(*PROFILE_COLUMNS)  # a folded row as the writer's tuple


def _new_row(inp: ProfileInput) -> tuple:
    """What `_fold` gives for one item on a new profile, built directly: NEW_PROFILE with the
    given core columns, the custom attributes that are not null, the (deduplicated) tokens."""
    custom = inp.custom
    if None in custom.values():
        custom = {key: value for key, value in custom.items() if value is not None}
    tokens = inp.push_tokens or []
    return _row_values({**NEW_PROFILE, **inp.core, "attributes": custom, "push_tokens": tokens})
