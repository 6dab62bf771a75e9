"""Test mode through the contract's API: switching it on (valid drafts only) and off (test data
gone), entering test profiles (1–100, or the audience's), a test profile's steps, triggering an
event and simulating reactions — and the live report, which never counts test runs."""

from __future__ import annotations

import pytest

from journeys.demo import seed_definition
from journeys.models import JourneyVersion, Message, Run, VersionStatus
from journeys.services import journey_create, journey_publish
from tests.journeys.conftest import create_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def journey(audience, user):
    version, _ = journey_create(document=seed_definition(audience.pk), user=user)
    return version.journey


def _test_on(api_client, journey, **body):
    return api_client.post(
        f"/api/v1/journeys/{journey.pk}/test/", {"enabled": True, **body}, format="json"
    )


def _errors(response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_test_mode_on_makes_the_draft_a_read_only_test_version_with_the_chosen_wait(
    api_client, journey
):
    response = _test_on(api_client, journey, wait_seconds=15)
    assert response.status_code == 200, response.content
    assert response.json() == {"enabled": True, "wait_seconds": 15, "status": "test", "version": 1}
    version = JourneyVersion.objects.get(journey=journey)
    assert version.status == VersionStatus.TEST and version.test_wait_seconds == 15
    put = api_client.put(
        f"/api/v1/journeys/{journey.pk}/",
        seed_definition(version.nodes[0]["config"]["audience"]),
        format="json",
    )
    assert put.status_code == 409  # read-only while testing
    assert api_client.get(f"/api/v1/journeys/{journey.pk}/test/").json()["wait_seconds"] == 15


def test_default_wait_is_ten_seconds_and_bad_waits_name_the_field(api_client, journey):
    assert _errors(_test_on(api_client, journey, wait_seconds=0)) == {
        "wait_seconds": "between 1 and 3600 seconds"
    }
    assert "wait_seconds" in _errors(_test_on(api_client, journey, wait_seconds="soon"))
    assert JourneyVersion.objects.get(journey=journey).status == VersionStatus.DRAFT
    assert _test_on(api_client, journey).json()["wait_seconds"] == 10


def test_an_invalid_draft_cannot_be_tested(api_client, audience, user):
    document = seed_definition(audience.pk)
    document["nodes"][5]["config"] = {}  # the purchase event without its event
    version, _ = journey_create(document=document, user=user)
    response = _test_on(api_client, version.journey)
    assert response.status_code == 400
    assert any(e.get("node") == "purchase" for e in response.json()["errors"])
    assert JourneyVersion.objects.get(pk=version.pk).status == VersionStatus.DRAFT


def test_a_live_journey_cannot_be_tested(api_client, journey, user):
    journey_publish(journey=journey, user=user)
    response = _test_on(api_client, journey)
    assert response.status_code == 409
    assert "draft" in response.json()["errors"][0]["message"]


def test_enter_takes_only_test_profiles_and_names_the_offending_one(api_client, journey):
    _test_on(api_client, journey)
    tester, customer = create_profile(city="Atlanta", is_test=True), create_profile(city="Atlanta")
    url = f"/api/v1/journeys/{journey.pk}/test/enter/"
    response = api_client.post(url, {"profiles": [tester.pk, customer.pk]}, format="json")
    assert response.status_code == 400
    assert _errors(response) == {
        "profiles[1]": f"profile {customer.pk} is not a test profile: only test profiles enter "
        "a journey in test mode"
    }
    too_many = api_client.post(url, {"profiles": [tester.pk] * 101}, format="json")
    assert _errors(too_many) == {"profiles": "at most 100 profiles at once (got 101)"}
    assert not Run.objects.exists()


def test_enter_without_profiles_takes_the_audience_test_profiles_and_logs_their_steps(
    api_client, journey
):
    _test_on(api_client, journey)
    inside = [create_profile(city="Atlanta", is_test=True) for _ in range(2)]
    create_profile(city="Paris", is_test=True)  # a test profile outside the audience
    create_profile(city="Atlanta")  # a real customer of the audience
    response = api_client.post(f"/api/v1/journeys/{journey.pk}/test/enter/", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["entered"] == 2
    assert sorted(response.json()["profiles"]) == sorted(p.pk for p in inside)
    assert Run.objects.filter(is_test=True).count() == 2 and not Run.objects.filter(is_test=False)

    log = api_client.get(f"/api/v1/journeys/{journey.pk}/test/profiles/{inside[0].pk}/").json()
    assert log["status"] == "active"
    assert [s["node"] for s in log["steps"]][:2] == ["start", "first"]
    assert all(s["entered_at"] for s in log["steps"]) and log["errors"] == []
    assert {m["channel"] for m in log["messages"]} == {"email", "push"}

    again = api_client.post(
        f"/api/v1/journeys/{journey.pk}/test/enter/", {"profiles": [inside[0].pk]}, format="json"
    )
    assert again.json()["entered"] == 0 and again.json()["refused"] == {"already_in_journey": 1}


def test_test_mode_off_clears_the_test_runs_and_their_messages(api_client, journey):
    _test_on(api_client, journey)
    tester = create_profile(city="Atlanta", is_test=True)
    api_client.post(
        f"/api/v1/journeys/{journey.pk}/test/enter/", {"profiles": [tester.pk]}, format="json"
    )
    assert Run.objects.count() == 1 and Message.objects.filter(is_test=True).count() == 2
    off = api_client.post(f"/api/v1/journeys/{journey.pk}/test/", {"enabled": False}, format="json")
    assert off.json() == {"enabled": False, "wait_seconds": None, "status": "draft", "version": 1}
    assert not Run.objects.exists() and not Message.objects.exists()
    assert (
        api_client.get(f"/api/v1/journeys/{journey.pk}/test/profiles/{tester.pk}/").status_code
        == 409
    )


def test_trigger_an_event_goes_through_ingestion_for_the_test_profile(api_client, journey):
    _test_on(api_client, journey)
    tester = create_profile(city="Atlanta", is_test=True, email="tess@example.com")
    customer = create_profile(city="Atlanta", email="real@example.com")
    url = f"/api/v1/journeys/{journey.pk}/test/events/"
    body = {"event": "purchase", "profile": tester.pk, "payload": {"purchaseMessage": "thank you"}}
    response = api_client.post(url, body, format="json")
    assert response.status_code == 202, response.content
    assert response.json()["results"][0]["status"] == "accepted"
    assert response.json()["results"][0]["matched"] == ["purchase"]
    from events.models import Event

    assert Event.objects.get().payload["email"] == "tess@example.com"

    hijack = dict(body, payload={"purchaseMessage": "thank you", "email": "real@example.com"})
    assert _errors(api_client.post(url, hijack, format="json")) == {
        "payload.email": "email must be the test profile's email (tess@example.com)"
    }
    not_test = dict(body, profile=customer.pk)
    assert "profile" in _errors(api_client.post(url, not_test, format="json"))
    unknown = dict(body, event="signup")
    assert _errors(api_client.post(url, unknown, format="json")) == {
        "event": "this journey does not use the event 'signup'"
    }
    assert Event.objects.count() == 1


def test_simulated_reactions_need_a_sent_test_message_of_this_journey(api_client, journey):
    _test_on(api_client, journey)
    tester = create_profile(city="Atlanta", is_test=True)
    api_client.post(
        f"/api/v1/journeys/{journey.pk}/test/enter/", {"profiles": [tester.pk]}, format="json"
    )
    email = Message.objects.get(channel="email")
    url = f"/api/v1/journeys/{journey.pk}/test/reactions/"
    pending = api_client.post(url, {"message": email.pk, "kind": "opened"}, format="json")
    assert pending.status_code == 400 and "pending" in _errors(pending)["message"]
    Message.objects.filter(pk=email.pk).update(status="sent")
    assert api_client.post(url, {"message": email.pk, "kind": "opened"}, format="json").json() == {
        "first": True
    }
    assert api_client.post(url, {"message": email.pk, "kind": "opened"}, format="json").json() == {
        "first": False
    }
    assert email.reactions.get().count == 2
    assert "kind" in _errors(
        api_client.post(url, {"message": email.pk, "kind": "x"}, format="json")
    )


def test_the_report_counts_live_runs_only(api_client, journey, user):
    from journeys.engine import entries
    from journeys.engine.plan import plan_for

    _test_on(api_client, journey)
    tester = create_profile(city="Atlanta", is_test=True)
    api_client.post(
        f"/api/v1/journeys/{journey.pk}/test/enter/", {"profiles": [tester.pk]}, format="json"
    )
    report_url = f"/api/v1/journeys/{journey.pk}/report/"
    assert api_client.get(report_url).json()["entered"] == 0  # test runs never count
    version, _ = journey_publish(journey=journey, user=user)  # straight from test mode
    assert not Run.objects.filter(is_test=True).exists()  # test data cleared on publish
    customers = [create_profile(city="Atlanta") for _ in range(3)]
    entries.enter_profiles(plan=plan_for(version), profile_ids=[p.pk for p in customers])
    entries.enter_profiles(plan=plan_for(version), profile_ids=[customers[0].pk])  # refused

    report = api_client.get(report_url).json()
    assert (report["entered"], report["exited"], report["errors"], report["discarded"]) == (
        3,
        0,
        0,
        1,
    )
    assert report["nodes"]["start"] == {"entered": 3, "exited": 3, "errors": 0}
    assert report["nodes"]["first"]["entered"] == 3
    assert report["nodes"]["first"]["sent"] == 0 and "opened" in report["nodes"]["first"]
    assert api_client.get(report_url + "?version=1").json()["entered"] == 3
    assert api_client.get(report_url + "?version=7").status_code == 404


def test_the_report_is_a_fixed_handful_of_queries_whatever_the_journey_size(
    journey, user, django_assert_max_num_queries
):
    from journeys.engine import entries
    from journeys.engine.plan import plan_for
    from journeys.reports.selectors import journey_report

    version, _ = journey_publish(journey=journey, user=user)
    entries.enter_profiles(
        plan=plan_for(version), profile_ids=[create_profile(city="Atlanta").pk for _ in range(30)]
    )
    with django_assert_max_num_queries(7):
        report = journey_report(version_ids=[version.pk])
    assert report.entered == 30 and report.node("first").messages["sent"] == 0


def test_a_failed_step_is_in_the_log_with_its_error_and_marked_failed_on_the_path(
    api_client, audience, user
):
    document = {
        "name": "Birthday fix",
        "nodes": [
            {"id": "start", "type": "read_audience", "config": {"audience": audience.pk}},
            {
                "id": "fix",
                "type": "update_profile",
                "config": {"attributes": {"birth_year": "soon"}},
            },
            {"id": "done", "type": "end", "config": {}},
        ],
        "edges": [{"from": "start", "to": "fix"}, {"from": "fix", "to": "done"}],
    }
    version, _ = journey_create(document=document, user=user)
    _test_on(api_client, version.journey)
    tester = create_profile(city="Atlanta", is_test=True)
    api_client.post(
        f"/api/v1/journeys/{version.journey_id}/test/enter/",
        {"profiles": [tester.pk]},
        format="json",
    )
    log = api_client.get(f"/api/v1/journeys/{version.journey_id}/test/profiles/{tester.pk}/").json()
    assert log["status"] == "error"
    assert [e["node"] for e in log["errors"]] == ["fix"] and "birth_year" in log["errors"][0][
        "message"
    ]
    assert log["steps"][-1]["node"] == "fix" and log["steps"][-1]["error"]

    from journeys.testmode.selectors import run_log

    flow = run_log(JourneyVersion.objects.get(pk=version.pk), tester.pk).flow
    assert flow == {"start": "visited", "fix": "failed"}


def test_event_journeys_are_entered_by_triggering_their_event_not_by_hand(api_client, user):
    document = {
        "name": "Thanks for buying",
        "namespace": "email",
        "nodes": [
            {"id": "bought", "type": "unitary_event", "config": {"event": "purchase"}},
            {
                "id": "thanks",
                "type": "message",
                "config": {"push": {"title": "Thanks", "body": "!"}},
            },
        ],
        "edges": [{"from": "bought", "to": "thanks"}],
    }
    version, _ = journey_create(document=document, user=user)
    assert _test_on(api_client, version.journey).status_code == 200
    tester = create_profile(is_test=True)
    response = api_client.post(
        f"/api/v1/journeys/{version.journey_id}/test/enter/",
        {"profiles": [tester.pk]},
        format="json",
    )
    assert _errors(response) == {
        "profiles": "profiles enter this journey through its event: use “Trigger an event”"
    }
