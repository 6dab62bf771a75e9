"""The four entry types end to end, with a real Celery worker and a real SMTP server: events
posted through the events API, profile changes through the profiles API (the read audience is
the seed's test, test_seed_end_to_end.py)."""

from __future__ import annotations

import pytest

from audiences.models import Audience
from events.services import event_configuration_create
from journeys.engine import entries
from journeys.models import AudienceRead, Run
from journeys.services import journey_create, journey_publish
from tests.conftest import start_worker, stop_worker

from .helpers import make_profile
from .workers import emails, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def publish(user, nodes, edges, name="Entry journey"):
    document = {
        "name": name,
        "namespace": "email",
        "properties": {"reentrance": {"allowed": False}},
        "nodes": nodes,
        "edges": edges,
    }
    version, report = journey_create(document=document, user=user)
    journey_publish(journey=version.journey, user=user)
    return version


def email(subject):
    return {"email": {"subject": subject, "html": "<p>Hello</p>", "text": "Hello"}}


@pytest.fixture
def worker(smtp_server):
    proc = start_worker(log_name="engine-entries", extra_env={"EMAIL_URL": smtp_server.url})
    yield proc
    stop_worker(proc)


def test_unitary_event_journey(user, api_client, smtp_server, worker):
    from events import demo as events_demo

    events_demo.load()
    make_profile("ana@example.com", first_name="Ana")
    publish(
        user,
        [
            {"id": "bought", "type": "unitary_event", "config": {"event": "purchase"}},
            {
                "id": "thanks",
                "type": "message",
                "config": email("Enjoy your {{ event.purchase.product }}"),
            },
        ],
        [{"from": "bought", "to": "thanks"}],
    )
    response = api_client.post(
        "/api/v1/events/",
        {"email": "ana@example.com", "purchaseMessage": "thank you", "product": "red hat"},
        format="json",
    )
    assert response.json()["results"][0]["status"] == "accepted"
    [received] = emails(smtp_server, 1)
    assert received.rcpt_tos == ["ana@example.com"] and received.subject == "Enjoy your red hat"
    # a purchase that is not `purchase` (condition false) enters nobody
    api_client.post(
        "/api/v1/events/", {"email": "ana@example.com", "purchaseMessage": "hello"}, format="json"
    )
    assert Run.objects.count() == 1


def test_audience_qualification_journey(user, api_client, smtp_server, worker):
    vip = Audience.objects.create(
        name="Seattle", rule={"field": "city", "op": "eq", "value": "Seattle"}
    )
    make_profile("ana@example.com", first_name="Ana", city="Atlanta")
    make_profile("bob@example.com", first_name="Bob", city="Seattle")  # already in: never "joins"
    publish(
        user,
        [
            {
                "id": "joins",
                "type": "audience_qualification",
                "config": {"audience": vip.id, "behavior": "enter"},
            },
            {
                "id": "welcome",
                "type": "message",
                "config": email("Welcome to Seattle, {{ profile.first_name }}"),
            },
        ],
        [{"from": "joins", "to": "welcome"}],
    )
    response = api_client.post(
        "/api/v1/profiles/",
        {"identities": {"email": "ana@example.com"}, "attributes": {"city": "Seattle"}},
        format="json",
    )
    assert response.status_code == 200
    [received] = emails(smtp_server, 1)
    assert (
        received.rcpt_tos == ["ana@example.com"] and received.subject == "Welcome to Seattle, Ana"
    )
    # one batch: Bob (already in) changes his name, Cid moves to Seattle: only Cid joins
    make_profile("cid@example.com", first_name="Cid", city="Atlanta")
    response = api_client.post(
        "/api/v1/profiles/batch/",
        [
            {"identities": {"email": "bob@example.com"}, "attributes": {"first_name": "Robert"}},
            {"identities": {"email": "cid@example.com"}, "attributes": {"city": "Seattle"}},
        ],
        format="json",
    )
    assert response.status_code == 200
    received = emails(smtp_server, 2)
    assert [m.rcpt_tos[0] for m in received] == ["ana@example.com", "cid@example.com"]
    assert sorted(Run.objects.values_list("profile__first_name", flat=True)) == ["Ana", "Cid"]


def test_business_event_journey(user, api_client, smtp_server, worker):
    event_configuration_create(
        data={
            "name": "stock_back",
            "type": "business",
            "id_type": "rule_based",
            "fields": [
                {"path": "product", "type": "string", "required": True},
                {"path": "kind", "type": "string", "required": True},
            ],
            "condition": {"field": "kind", "op": "eq", "value": "stock_back"},
        }
    )
    atlanta = Audience.objects.create(
        name="Atlanta", rule={"field": "city", "op": "eq", "value": "Atlanta"}
    )
    make_profile("ana@example.com", first_name="Ana")
    make_profile("cid@example.com", first_name="Cid")
    make_profile("zoe@example.com", first_name="Zoe", city="Paris")
    version = publish(
        user,
        [
            {"id": "stock", "type": "business_event", "config": {"event": "stock_back"}},
            {
                "id": "read",
                "type": "read_audience",
                "config": {"audience": atlanta.id, "rate": 500},
            },
            {
                "id": "news",
                "type": "message",
                "config": email("{{ event.stock_back.product }} is back"),
            },
        ],
        [{"from": "stock", "to": "read"}, {"from": "read", "to": "news"}],
    )
    response = api_client.post(
        "/api/v1/events/", {"kind": "stock_back", "product": "The red hat"}, format="json"
    )
    assert response.json()["results"][0]["status"] == "accepted"
    wait_until(
        lambda: AudienceRead.objects.filter(version=version).exists(),
        20,
        "the read to be scheduled",
    )
    assert entries.audience_reads_sweep() == 2  # the beat's tick, called here
    received = emails(smtp_server, 2)
    assert sorted(m.rcpt_tos[0] for m in received) == ["ana@example.com", "cid@example.com"]
    assert {m.subject for m in received} == {"The red hat is back"}
