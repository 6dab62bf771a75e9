"""The seed journey, published with a small audience, end to end against real peers: a real
Celery worker, a real SMTP server and a real push (FCM-shaped) listener, purchases posted through
the real events API, the 1-day timeout passed by moving the clock (timers_sweep(now=…))."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from audiences.models import Audience
from journeys.engine import entries, timers
from journeys.models import Message, Run
from journeys.services import journey_create, journey_publish
from tests.conftest import http_listener_env, start_worker, stop_worker
from tests.journeys.factories import seed_document

from .helpers import SEED_AUDIENCE_RULE, make_profile
from .workers import emails, requests, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def pushes_to(listener, email):
    return [
        r.json()["message"]
        for r in listener.requests
        if r.json()["message"]["token"] == f"token-{email}"
    ]


def test_seed_journey_runs_end_to_end(smtp_server, http_listener, api_client, user, client):
    from events import demo as events_demo

    events_demo.load()
    audience = Audience.objects.create(name="Young West", rule=SEED_AUDIENCE_RULE)
    members = {
        "ana@example.com": make_profile("ana@example.com", first_name="Ana"),
        "bob@example.com": make_profile("bob@example.com", city="Seattle", first_name="Bob"),
        "cid@example.com": make_profile("cid@example.com", city="San Francisco", first_name="Cid"),
    }
    outsiders = [
        make_profile("zoe@example.com", city="Paris"),
        make_profile("old@example.com", birth_year=1960),
    ]
    worker = start_worker(
        log_name="engine-seed",
        extra_env={"EMAIL_URL": smtp_server.url, **http_listener_env(http_listener)},
    )
    try:
        version, _ = journey_create(document=seed_document(audience.id), user=user)
        journey_publish(journey=version.journey, user=user)
        assert entries.audience_reads_sweep() == 3  # the beat's tick, called here

        # first message, by email and push, to each member only
        first_emails = emails(smtp_server, 3)
        assert sorted(m.rcpt_tos[0] for m in first_emails) == sorted(members), [
            (m.rcpt_tos, m.subject) for m in first_emails
        ]
        assert {m.subject for m in first_emails} == {
            "Welcome, Ana!",
            "Welcome, Bob!",
            "Welcome, Cid!",
        }
        requests(http_listener, 3)

        # Ana opens the email (its pixel), Bob the push (its open_url); Cid does nothing
        ana_email = next(m for m in first_emails if m.rcpt_tos[0] == "ana@example.com")
        pixel = re.search(r'<img src="([^"]+)"', ana_email.html).group(1)
        assert client.get(urlsplit(pixel).path).status_code == 200
        [bob_push] = pushes_to(http_listener, "bob@example.com")
        assert client.post(urlsplit(bob_push["data"]["open_url"]).path).status_code in (200, 204)
        for email, node in (
            ("ana@example.com", "email_opened"),
            ("bob@example.com", "push_opened"),
        ):
            wait_until(
                lambda email=email, node=node: Run.objects.get(profile=members[email]).node == node,
                20,
                f"{email} moved to {node}",
            )

        # a day later: the reminder goes to Cid only
        assert timers.timers_sweep(now=timezone.now() + dt.timedelta(days=1, minutes=1)) == 1
        received = emails(smtp_server, 4)
        assert [m.rcpt_tos[0] for m in received[3:]] == ["cid@example.com"]
        assert (
            received[3].subject == Message.objects.get(node_id="reminder").content.body["subject"]
        )

        # each purchase (through the events API) brings a thank-you push
        for email in members:
            response = api_client.post(
                "/api/v1/events/",
                {"email": email, "purchaseMessage": "thank you", "product": "Hat"},
                format="json",
            )
            assert (
                response.status_code == 202
                and response.json()["results"][0]["status"] == "accepted"
            )
        requests(http_listener, 6)
        for email in members:
            sent = pushes_to(http_listener, email)
            assert len(sent) == 2 and sent[1]["notification"]["title"] == "Thank you"
        wait_until(
            lambda: set(Run.objects.values_list("status", flat=True)) == {"finished"},
            20,
            "runs finished",
        )

        # nobody outside the audience was touched, and nothing was sent twice
        assert not Run.objects.filter(profile__in=outsiders).exists()
        assert not Message.objects.filter(profile__in=outsiders).exists()
        assert len(smtp_server.messages) == 4 and http_listener.count == 6
    finally:
        stop_worker(worker)
