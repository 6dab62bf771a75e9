"""Event configurations used across the events tests (built through the real services)."""

from __future__ import annotations

import copy

import pytest

from events.matching import clear_cache
from events.services import event_configuration_create

PURCHASE = {
    "name": "purchase",
    "description": "A customer bought something",
    "type": "unitary",
    "id_type": "rule_based",
    "fields": [
        {"path": "email", "type": "string", "required": True},
        {"path": "purchaseMessage", "type": "string"},
        {"path": "product", "type": "string"},
        {"path": "purchaseDate", "type": "datetime"},
        {"path": "purchaseId", "type": "string"},
        {"path": "amount", "type": "number"},
    ],
    "condition": {"field": "purchaseMessage", "op": "eq", "value": "thank you"},
    "namespace": "email",
    "profile_id_field": "email",
}


def purchase_data(**changes):
    return copy.deepcopy(PURCHASE) | changes


@pytest.fixture(autouse=True)
def _fresh_catalogue():
    """Each test starts with an empty compiled-configuration cache (ids are reused across
    rolled-back tests)."""
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def purchase(db):
    return event_configuration_create(data=purchase_data())


@pytest.fixture
def stock_alert(db):
    """A system-generated business event."""
    return event_configuration_create(
        data={
            "name": "stock_low",
            "type": "business",
            "id_type": "system_generated",
            "fields": [
                {"path": "sku", "type": "string", "required": True},
                {"path": "left", "type": "integer"},
            ],
        }
    )
