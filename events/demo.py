"""Demo data of `events`: the seed's rule-based `purchase` event (`purchaseMessage = "thank
you"`, identity namespace email). Idempotent: an existing `purchase` is left as it is."""

from __future__ import annotations

from .models import EventConfiguration
from .services import event_configuration_create

PURCHASE = {
    "name": "purchase",
    "description": "A customer completed a purchase (the thank-you message of the checkout).",
    "type": "unitary",
    "id_type": "rule_based",
    "fields": [
        {"path": "email", "type": "string", "required": True},
        {"path": "purchaseMessage", "type": "string", "required": False},
        {"path": "product", "type": "string", "required": False},
        {"path": "purchaseDate", "type": "datetime", "required": False},
        {"path": "purchaseId", "type": "string", "required": False},
        {"path": "amount", "type": "number", "required": False},
    ],
    "condition": {"field": "purchaseMessage", "op": "eq", "value": "thank you"},
    "namespace": "email",
    "profile_id_field": "email",
}


def load() -> list[str]:
    """Create the purchase event when missing. Returns summary lines."""
    if EventConfiguration.objects.filter(name=PURCHASE["name"]).exists():
        return ["purchase event already present"]
    event_configuration_create(data=PURCHASE)
    return ['purchase event created (rule-based: purchaseMessage = "thank you", namespace email)']
