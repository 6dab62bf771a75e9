"""Subscribers receive exactly the accepted events, after commit, never on rollback."""

from __future__ import annotations

import pytest
from django.db import transaction

from audiences.models import Identity, Profile
from events import subscribers
from events.models import Event
from events.services import event_configuration_create, events_ingest

from .conftest import purchase_data

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def received():
    batches = []

    def callback(events):
        # Called after commit: the events are visible to any other connection by now.
        batches.append((list(events), transaction.get_connection().in_atomic_block))

    subscribers.subscribe(callback)
    yield batches
    subscribers._subscribers.remove(callback)


def test_accepted_events_reach_subscribers_after_commit(received):
    purchase = event_configuration_create(data=purchase_data())
    big = event_configuration_create(
        data=purchase_data(
            name="big_purchase", condition={"field": "amount", "op": "gte", "value": 100}
        )
    )
    tess = Profile.objects.create(first_name="Tess", is_test=True)
    Identity.objects.create(profile=tess, namespace="email", value="tess@example.com")
    events_ingest(
        items=[
            {"_id": "1", "email": "ana@example.com", "purchaseMessage": "thank you", "amount": 150},
            {"_id": "2", "email": "ana@example.com", "purchaseMessage": "hello"},
            {
                "_id": "3",
                "email": "tess@example.com",
                "purchaseMessage": "thank you",
                "amount": "x",
            },
            {
                "_id": "4",
                "email": "tess@example.com",
                "purchaseMessage": "thank you",
                "timestamp": "2026-01-01T00:00:00Z",
            },
        ]
    )
    [(events, in_atomic)] = received
    assert not in_atomic
    by_key = {(e.payload["_id"], e.configuration_name): e for e in events}
    assert set(by_key) == {("1", "purchase"), ("1", "big_purchase"), ("4", "purchase")}
    ana = Identity.objects.get(value="ana@example.com").profile_id
    first = by_key[("1", "purchase")]
    assert (first.profile_id, first.configuration_id, first.event_type, first.is_test) == (
        ana,
        purchase.pk,
        "unitary",
        False,
    )
    assert by_key[("1", "big_purchase")].configuration_id == big.pk
    assert first.event_id == Event.objects.get(external_id="1").pk
    tess_event = by_key[("4", "purchase")]
    assert (tess_event.profile_id, tess_event.is_test) == (tess.pk, True)
    assert tess_event.occurred_at.isoformat() == "2026-01-01T00:00:00+00:00"

    events_ingest(items=[{"_id": "1", "email": "ana@example.com", "purchaseMessage": "thank you"}])
    assert len(received) == 1  # a duplicate publishes nothing


def test_nothing_is_published_when_the_transaction_rolls_back(received):
    event_configuration_create(data=purchase_data())
    with pytest.raises(RuntimeError), transaction.atomic():
        events_ingest(items=[{"email": "ana@example.com", "purchaseMessage": "thank you"}])
        raise RuntimeError("the caller's transaction fails")
    assert received == []
    assert not Event.objects.exists()
    assert not Identity.objects.exists()


def test_a_failing_subscriber_does_not_stop_the_others(received):
    def broken(events):
        raise ValueError("boom")

    subscribers._subscribers.insert(0, broken)
    try:
        event_configuration_create(data=purchase_data())
        [result] = events_ingest(
            items=[{"email": "ana@example.com", "purchaseMessage": "thank you"}]
        )
    finally:
        subscribers._subscribers.remove(broken)
    assert result.status == "accepted"
    assert len(received) == 1


def test_profiles_created_by_events_are_announced_after_commit():
    from audiences import profile_changes

    announced = []
    profile_changes.subscribe(announced.append)
    try:
        event_configuration_create(data=purchase_data())
        known = Profile.objects.create(first_name="Known")
        Identity.objects.create(profile=known, namespace="email", value="known@example.com")
        events_ingest(
            items=[
                {"email": "known@example.com", "purchaseMessage": "thank you"},
                {"email": "new@example.com", "purchaseMessage": "thank you"},
            ]
        )
    finally:
        profile_changes.unsubscribe(announced.append)
    assert announced == [[Identity.objects.get(value="new@example.com").profile_id]]
