"""Building journeys, profiles and audiences for engine tests, in one place."""

from __future__ import annotations

import copy
from typing import Any

from audiences.models import Audience, Identity, Profile
from journeys.demo import seed_definition as demo_seed_definition

SEED_AUDIENCE_RULE = {
    "all": [
        {"field": "city", "op": "in", "value": ["Atlanta", "San Francisco", "Seattle"]},
        {"field": "birth_year", "op": "gt", "value": 1980},
    ]
}


def seed_definition(
    audience_id: int, *, rate: int = 5000, schedule: dict | None = None
) -> dict[str, Any]:
    """The seed journey of the product pages (the demo's), reading `audience_id` at `rate`."""
    document = demo_seed_definition(audience_id)
    document["nodes"][0]["config"] |= {"rate": rate, "schedule": schedule or {"type": "once"}}
    return document


def make_version(
    definition: dict[str, Any],
    *,
    status: str = "live",
    properties: dict | None = None,
    wait_seconds: int | None = None,
    name: str = "Journey",
    journey=None,
):
    """A journey version with `definition` in `status` (no validation: the engine's view)."""
    from journeys.models import Journey, JourneyVersion
    from journeys.validation import parse_properties

    definition = copy.deepcopy(definition)
    props = (
        properties
        if properties is not None
        else {"reentrance": {"allowed": False}, "timezone": "UTC"}
    )
    if journey is None:
        journey = Journey.objects.create(name=name, properties=props, **parse_properties(props))
    number = journey.versions.count() + 1
    version = JourneyVersion.objects.create(
        journey=journey, number=number, status=status, definition=definition
    )
    if wait_seconds is not None:
        version.test_wait_seconds = (
            wait_seconds  # the test-mode engineer's column (adapters reads it)
        )
    return version


def make_profile(
    email: str,
    *,
    city: str = "Atlanta",
    birth_year: int = 1990,
    first_name: str = "Ana",
    is_test: bool = False,
    **extra: Any,
) -> Profile:
    profile = Profile.objects.create(
        first_name=first_name,
        city=city,
        birth_year=birth_year,
        consent_email=True,
        consent_push=True,
        push_tokens=[f"token-{email}"],
        is_test=is_test,
        **extra,
    )
    Identity.objects.create(profile=profile, namespace="email", value=email)
    return profile


def seed_audience() -> Audience:
    return Audience.objects.create(name="Young West", rule=SEED_AUDIENCE_RULE)


def messages(**filters: Any):
    from journeys.models import Message

    return Message.objects.filter(**filters)
