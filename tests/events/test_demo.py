"""The demo data gains the seed's purchase event, once."""

import pytest

from events import demo
from events.models import EventConfiguration
from events.services import events_ingest

pytestmark = pytest.mark.django_db


def test_demo_adds_the_purchase_event_once():
    demo.load()
    demo.load()
    purchase = EventConfiguration.objects.get()
    assert (purchase.name, purchase.id_type, purchase.namespace) == (
        "purchase",
        "rule_based",
        "email",
    )
    assert purchase.condition == {"field": "purchaseMessage", "op": "eq", "value": "thank you"}
    [result] = events_ingest(
        items=[
            {
                "email": "tess.tester@example.com",
                "purchaseMessage": "thank you",
                "purchaseDate": "2026-03-01T10:00:00Z",
                "amount": 20,
            }
        ]
    )
    assert result.matched == ["purchase"]
