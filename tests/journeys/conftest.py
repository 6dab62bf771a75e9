"""Fixtures for the journeys tests: an audience; profiles ready to receive messages."""

from __future__ import annotations

import itertools

import pytest

from audiences.models import Audience, Identity, Profile

_numbers = itertools.count(1)


@pytest.fixture
def audience(db):
    return Audience.objects.create(
        name="Seed audience",
        rule={"all": [{"field": "city", "op": "in", "value": ["Atlanta"]}]},
    )


@pytest.fixture(autouse=True)
def seed_purchase_event(db):
    """The seed's purchase event (events demo data): the seed journey waits for it."""
    from events import demo

    demo.load()


def create_profile(*, email: str | None = "", consent: bool = True, **fields) -> Profile:
    """A profile with an `email` identity (generated unless given; None: no email) and consent
    on every channel unless `consent=False`."""
    number = next(_numbers)
    defaults = {
        "first_name": f"Person{number}",
        "consent_email": consent,
        "consent_push": consent,
        "consent_sms": consent,
        "push_tokens": [f"device-{number}"],
        "phone": f"+1404555{number:04d}",
    }
    profile = Profile.objects.create(**(defaults | fields))
    if email is not None:
        Identity.objects.create(
            profile=profile, namespace="email", value=email or f"person{number}@example.com"
        )
    return profile


@pytest.fixture
def make_profile(db):
    return create_profile
