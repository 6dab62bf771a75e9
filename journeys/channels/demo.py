"""Demo data of the channels: who the messages come from, and a custom action (disabled until
an admin points it at a real system). Idempotent."""

from __future__ import annotations

from journeys.models import ChannelSettings, CustomAction

DEMO_ACTION_NAME = "CRM: issue a coupon"


def load() -> list[str]:
    ChannelSettings.objects.get_or_create(
        channel="email",
        defaults={
            "sender_name": "Luma Shop",
            "sender_address": "hello@luma-shop.example",
            "reply_to": "care@luma-shop.example",
        },
    )
    ChannelSettings.objects.get_or_create(
        channel="sms", defaults={"sender_address": "+15550100000"}
    )
    ChannelSettings.objects.get_or_create(channel="push", defaults={"project_id": "luma-shop"})
    CustomAction.objects.get_or_create(
        name=DEMO_ACTION_NAME,
        defaults={
            "description": "Asks the CRM to issue a coupon for the profile (example; point it at your CRM).",
            "method": "POST",
            "url": "https://crm.example.com/api/coupons",
            "headers": [{"name": "Authorization", "value": "Bearer change-me", "secret": True}],
            "parameters": ["coupon", "amount"],
            "payload_template": '{"email": {{ profile.email | tojson }}, "coupon": {{ params.coupon | tojson }},'
            ' "amount": {{ params.amount | tojson }}}',
            "timeout_seconds": 10,
            "enabled": False,
        },
    )
    return ["channel senders (Luma Shop), custom action " + repr(DEMO_ACTION_NAME) + " (disabled)"]
