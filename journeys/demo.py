"""Demo data of `journeys`: the "Publisher" group (may publish, stop and close journeys, the
admin in it) and the seed journey ("multi-channel messages") as a draft. Idempotent."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

from journeys.channels import demo as channels_demo

PUBLISHER_GROUP = "Publisher"
SEED_JOURNEY_NAME = "Multi-channel welcome"


def seed_definition(audience: int | str) -> dict[str, Any]:
    """The seed journey of the product pages, in the contract's format."""
    return {
        "name": SEED_JOURNEY_NAME,
        "description": "First message by email and push; a reminder to those who open neither "
        "within a day; a thank-you push after each purchase.",
        "namespace": "email",
        "properties": {"reentrance": {"allowed": False}, "timezone": "UTC"},
        "nodes": [
            {
                "id": "start",
                "type": "read_audience",
                "config": {"audience": audience, "rate": 5000, "schedule": {"type": "once"}},
            },
            {
                "id": "first",
                "type": "message",
                "config": {
                    "email": {
                        "subject": "Welcome, {{ profile.first_name | default('there') }}!",
                        "html": "<h1>Hi {{ profile.first_name | default('there') }},</h1>"
                        '<p>Our new collection is in. <a href="https://shop.example.com/new">Take a look</a>.</p>',
                        "text": "Hi {{ profile.first_name | default('there') }}, our new collection is in: "
                        "https://shop.example.com/new",
                    },
                    "push": {
                        "title": "New collection",
                        "body": "Hi {{ profile.first_name | default('there') }}, come and see what's new",
                    },
                },
            },
            {
                "id": "push_opened",
                "type": "reaction",
                "config": {"action": "first", "channel": "push", "reaction": "opened"},
            },
            {
                "id": "email_opened",
                "type": "reaction",
                "config": {
                    "action": "first",
                    "channel": "email",
                    "reaction": "opened",
                    "timeout": "P1D",
                },
            },
            {
                "id": "reminder",
                "type": "message",
                "config": {
                    "email": {
                        "subject": "Did you see our new collection?",
                        "html": "<p>Hi {{ profile.first_name | default('there') }}, in case you missed it: "
                        '<a href="https://shop.example.com/new">the new collection</a>.</p>',
                        "text": "Hi {{ profile.first_name | default('there') }}, in case you missed it: "
                        "https://shop.example.com/new",
                    }
                },
            },
            {"id": "purchase", "type": "event", "config": {"event": "purchase"}},
            {
                "id": "thanks",
                "type": "message",
                "config": {
                    "push": {
                        "title": "Thank you",
                        "body": "Thanks for your purchase, {{ profile.first_name | default('friend') }}!",
                    }
                },
            },
        ],
        "edges": [
            {"from": "start", "to": "first"},
            {"from": "first", "to": "push_opened"},
            {"from": "first", "to": "email_opened"},
            {"from": "email_opened", "to": "reminder", "port": "timeout"},
            {"from": "push_opened", "to": "purchase"},
            {"from": "email_opened", "to": "purchase"},
            {"from": "reminder", "to": "purchase"},
            {"from": "purchase", "to": "thanks"},
        ],
    }


def load(*, admin) -> list[str]:
    """Create what is missing; never duplicate. Returns summary lines."""
    lines = [_publisher_group(admin)]
    lines.append(_seed_journey(admin))
    lines.extend(channels_demo.load())
    return lines


def _publisher_group(admin) -> str:
    group, _ = Group.objects.get_or_create(name=PUBLISHER_GROUP)
    permission = Permission.objects.get(
        codename="publish_journey", content_type__app_label="journeys"
    )
    group.permissions.add(permission)
    admin.groups.add(group)
    return f"group {PUBLISHER_GROUP!r} may publish journeys; {admin.get_username()} is in it"


def _seed_journey(admin) -> str:
    from audiences.demo import SEED_AUDIENCE_NAME
    from audiences.models import Audience

    from .models import Journey
    from .services import journey_create

    if Journey.objects.filter(name=SEED_JOURNEY_NAME).exists():
        return f"seed journey already present: {SEED_JOURNEY_NAME}"
    audience = Audience.objects.filter(name=SEED_AUDIENCE_NAME).first()
    doc = seed_definition(audience.pk if audience else SEED_AUDIENCE_NAME)
    journey_create(document=doc, user=admin)
    return f"seed journey created as a draft: {SEED_JOURNEY_NAME}"
