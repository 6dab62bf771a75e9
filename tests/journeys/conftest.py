"""Fixtures for the journeys tests: an audience; profiles ready to receive messages; the
outbox's clock."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import F

from audiences.models import Audience, Identity, Profile

_numbers = itertools.count(1)


@pytest.fixture
def publisher(django_user_model):
    """A user allowed to publish journeys."""
    user = django_user_model.objects.create_user(username="pub", password="x")
    user.user_permissions.add(Permission.objects.get(codename="publish_journey"))
    return django_user_model.objects.get(pk=user.pk)


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


class OutboxClock:
    """Time for the outbox in tests. Delivery compares due times with the database's `now()`,
    fixed for a test's transaction and out of time-machine's reach. `frozen()` stops Python's
    clock at that same instant (`now`), so due times computed by the senders are exact;
    `advance(seconds)` lets that much time pass for the outbox (pending messages' due times
    move back by it)."""

    def __init__(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT now()")
            self.now: dt.datetime = cursor.fetchone()[0]

    @contextmanager
    def frozen(self) -> Iterator[dt.datetime]:
        with time_machine.travel(self.now, tick=False):
            yield self.now

    def advance(self, seconds: float) -> None:
        from journeys.models import Message

        Message.objects.filter(status="pending").update(
            next_attempt_at=F("next_attempt_at") - dt.timedelta(seconds=seconds)
        )


@pytest.fixture
def outbox_clock(db) -> OutboxClock:
    return OutboxClock()
