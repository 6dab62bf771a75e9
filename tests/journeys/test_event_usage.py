"""Event configurations know which journeys use them: a live journey locks its events."""

from __future__ import annotations

import pytest

from events.models import EventConfiguration
from journeys import services

from .factories import seed_document

pytestmark = pytest.mark.django_db


def test_a_draft_journey_prevents_deleting_its_event_but_not_editing_it(audience, api_client):
    services.journey_create(document=seed_document(audience.pk))
    purchase = EventConfiguration.objects.get(name="purchase")

    deleted = api_client.delete(f"/api/v1/event-configurations/{purchase.pk}/")
    assert deleted.status_code in (400, 409)
    assert EventConfiguration.objects.filter(pk=purchase.pk).exists()

    edited = api_client.patch(
        f"/api/v1/event-configurations/{purchase.pk}/",
        {"condition": {"field": "purchaseMessage", "op": "eq", "value": "merci"}},
        format="json",
    )
    assert edited.status_code == 200


def test_a_live_journey_allows_only_safe_edits_of_its_event(audience, api_client, publisher):
    version, _ = services.journey_create(document=seed_document(audience.pk))
    services.journey_publish(journey=version.journey, user=publisher)
    purchase = EventConfiguration.objects.get(name="purchase")

    page = api_client.get(f"/api/v1/event-configurations/{purchase.pk}/").json()
    assert page["restricted"] is True
    assert any(
        "Multi-channel" in usage["label"] or "v1" in usage["label"] for usage in page["used_by"]
    )

    refused = api_client.patch(
        f"/api/v1/event-configurations/{purchase.pk}/",
        {"condition": {"field": "purchaseMessage", "op": "eq", "value": "merci"}},
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "condition"
    purchase.refresh_from_db()
    assert purchase.condition["value"] == "thank you"

    renamed = api_client.patch(
        f"/api/v1/event-configurations/{purchase.pk}/", {"description": "Orders"}, format="json"
    )
    assert renamed.status_code == 200
