"""Concurrent copies of an event: the unique `_id` index settles it, nothing is doubled."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from audiences.models import Identity, Profile
from events.models import Event, EventMatch
from events.services import event_configuration_create, events_ingest

from .conftest import purchase_data

pytestmark = pytest.mark.django_db(transaction=True)


def run_concurrently(count, batches):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def worker(batch):
        try:
            barrier.wait()
            results.append(events_ingest(items=batch))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


def test_the_same_ids_sent_concurrently_are_accepted_once():
    event_configuration_create(data=purchase_data())
    batch = [
        {"_id": f"o-{i}", "email": f"new{i}@example.com", "purchaseMessage": "thank you"}
        for i in range(20)
    ]
    # the same events, in different orders, from four requests at once
    batches = [batch, list(reversed(batch)), batch[10:] + batch[:10], batch]
    results = run_concurrently(4, batches)
    statuses = [r.status for answer in results for r in answer]
    assert statuses.count("accepted") == 20
    assert statuses.count("duplicate") == 60
    assert EventMatch.objects.count() == 20
    assert Event.objects.filter(status="accepted").count() == 20
    assert Profile.objects.count() == 20  # no orphan profile left by the losers
    assert Identity.objects.count() == 20
