"""Ingesting events: one payload or a list (up to 1,000), every one stored, matched and answered.

    results = events_ingest(items=[{"_id": "o-1", "email": "ana@example.com", ...}, ...])
    # [IngestResult(external_id="o-1", status="accepted", matched=["purchase"], reason=None), ...]

Set-based throughout: whatever the batch size, one transaction and a fixed handful of round
trips (fingerprint of the configurations; processed `_id`s + known identities; new profiles when
there are some; events + matches; commit): see `storage`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from audiences.rules.validation import parse_datetime
from events.matching import Catalogue, CompiledConfiguration, current_catalogue
from events.models import Event
from events.subscribers import AcceptedEvent, publish

from . import storage

MAX_BATCH = 1000
MAX_EXTERNAL_ID = 255


@dataclass
class IngestResult:
    external_id: Any  # the `_id` as sent (None when absent)
    status: str
    matched: list[str] = field(default_factory=list)
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "_id": self.external_id,
            "status": self.status,
            "matched": self.matched,
            "reason": self.reason,
        }


@dataclass
class _Item:
    """One incoming event on its way to the log."""

    payload: Any
    payload_json: str
    external_id: str | None
    sent_id: Any
    occurred_at: dt.datetime
    status: str = Event.Status.ACCEPTED
    reason: str = ""
    configurations: list[CompiledConfiguration] = field(default_factory=list)
    profiles: dict[int, int] = field(default_factory=dict)  # configuration id -> profile id
    event_id: int | None = None

    def discard(self, reason: str) -> None:
        self.status, self.reason, self.configurations = Event.Status.DISCARDED, reason, []

    def mark_duplicate(self) -> None:
        self.status, self.reason, self.configurations, self.profiles = (
            Event.Status.DUPLICATE,
            "",
            [],
            {},
        )

    @property
    def profile_id(self) -> int | None:
        return next(iter(self.profiles.values()), None)


def events_ingest(
    *, items: Sequence[Any], received_at: dt.datetime | None = None
) -> list[IngestResult]:
    """Steps: (1) in Python, read each item's reserved keys, match it to configurations and
    validate it against them; (2) in one transaction, turn already-processed `_id`s into
    duplicates, resolve (or create) the profiles of unitary events, append every item to the
    log (the partial unique index on `_id` settles concurrent copies) and record the matches;
    (3) after commit, hand the accepted events to the subscribers."""
    if len(items) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} events per request")
    received_at = received_at or timezone.now()
    catalogue = current_catalogue()
    prepared = [_prepare(raw, catalogue, received_at) for raw in items]
    _mark_batch_duplicates(prepared)
    with transaction.atomic():
        known = storage.read_state(prepared)
        created_profiles = storage.resolve_profiles(prepared, known)
        storage.append(prepared, received_at)
        storage.drop_unused_profiles(created_profiles, prepared)
        accepted = _accepted_events(prepared, known.test_profiles)
        transaction.on_commit(lambda: publish(accepted))
        if created_profiles:
            storage.announce_new_profiles(created_profiles)
    return [
        IngestResult(
            item.sent_id, item.status, [c.name for c in item.configurations], item.reason or None
        )
        for item in prepared
    ]


def _prepare(raw: Any, catalogue: Catalogue, received_at: dt.datetime) -> _Item:
    """Reserved keys, matching and validation of one item (no database access)."""
    payload_json = json.dumps(raw, ensure_ascii=False, separators=(",", ":"))
    item = _Item(
        payload=raw,
        payload_json=payload_json,
        external_id=None,
        sent_id=None,
        occurred_at=received_at,
    )
    if not isinstance(raw, Mapping):
        item.discard("invalid_event:not_an_object")
        return item
    item.sent_id = raw.get("_id")
    if item.sent_id is not None:
        valid_id = isinstance(item.sent_id, str | int) and not isinstance(item.sent_id, bool)
        text = str(item.sent_id) if valid_id else ""
        if not valid_id or not text or len(text) > MAX_EXTERNAL_ID or "\x00" in text:
            item.discard("invalid_type:_id")
            return item
        item.external_id = text
    if "\\u0000" in payload_json:  # PostgreSQL's jsonb cannot hold NUL characters
        item.discard("invalid_payload:null_character")
        return item
    if raw.get("timestamp") is not None:
        occurred_at = parse_datetime(raw["timestamp"])
        if occurred_at is None:
            item.discard("invalid_type:timestamp")
            return item
        item.occurred_at = occurred_at
    _match(item, raw, catalogue)
    return item


def _match(item: _Item, payload: Mapping[str, Any], catalogue: Catalogue) -> None:
    candidates = catalogue.matching(payload)
    sent_event_id = payload.get("eventID")
    unknown_event_id = False
    if sent_event_id is not None:
        by_id = catalogue.by_event_id.get(str(sent_event_id))
        if by_id is None:
            unknown_event_id = True
        else:
            candidates.insert(0, by_id)
    if not candidates:
        item.discard("unknown_event_id" if unknown_event_id else "no_matching_configuration")
        return
    problems = [config.problem(payload) for config in candidates]
    valid = [
        config for config, problem in zip(candidates, problems, strict=True) if problem is None
    ]
    if not valid:
        item.discard(next(problem for problem in problems if problem))
        return
    item.configurations = valid


def _mark_batch_duplicates(items: list[_Item]) -> None:
    """A later copy of an `_id` within the same request is a duplicate of the first."""
    seen: set[str] = set()
    for item in items:
        if item.external_id is None:
            continue
        if item.external_id in seen:
            item.mark_duplicate()
        seen.add(item.external_id)


def _accepted_events(items: list[_Item], test_profiles: set[int]) -> list[AcceptedEvent]:
    return [
        AcceptedEvent(
            event_id=item.event_id,
            configuration_id=config.id,
            configuration_name=config.name,
            event_type=config.type,
            profile_id=item.profiles.get(config.id),
            occurred_at=item.occurred_at,
            payload=item.payload,
            is_test=item.profiles.get(config.id) in test_profiles,
        )
        for item in items
        if item.status == Event.Status.ACCEPTED
        for config in item.configurations
    ]
