"""The contract's journey endpoints, as an integrator uses them."""

from __future__ import annotations

import copy

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from journeys.models import Journey, JourneyVersion

from .factories import seed_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_publish_client(django_user_model):
    user = django_user_model.objects.create_user(username="writer", password="x")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def create(api_client, document):
    response = api_client.post("/api/v1/journeys/", document, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_post_then_get_gives_the_definition_back_exactly(api_client, audience):
    document = seed_document(audience.pk)
    created = create(api_client, document)
    got = api_client.get(f"/api/v1/journeys/{created['id']}/").json()
    assert (got["status"], got["version"]) == ("draft", 1)
    assert {
        k: v for k, v in got.items() if k not in ("id", "status", "version", "revision")
    } == document


def test_contract_example_round_trips(api_client, audience):
    """The contract's own example (no description), key for key."""
    document = seed_document(audience.pk)
    del document["description"]
    created = create(api_client, document)
    got = api_client.get(f"/api/v1/journeys/{created['id']}/").json()
    assert {k: got[k] for k in document} == document and set(got) - set(document) == {
        "id",
        "status",
        "version",
        "revision",
    }


def test_export_text_is_stable_and_in_contract_order(api_client, audience):
    """jsonb reorders keys; the export puts them back in a fixed, readable order."""
    created = create(api_client, seed_document(audience.pk))
    text = api_client.get(f"/api/v1/journeys/{created['id']}/").content.decode()
    assert (
        text.index('"name"')
        < text.index('"namespace"')
        < text.index('"nodes"')
        < text.index('"edges"')
    )
    assert '{"id":"start","type":"read_audience","config":' in text.replace(" ", "")
    assert '{"from":"email_opened","to":"reminder","port":"timeout"}' in text.replace(" ", "")
    again = create(api_client, api_client.get(f"/api/v1/journeys/{created['id']}/").json())
    second = api_client.get(f"/api/v1/journeys/{again['id']}/").content.decode()
    assert second.replace(f'"id":{again["id"]}', "") == text.replace(f'"id":{created["id"]}', "")


def test_export_then_import_is_the_same_journey(api_client, audience):
    first = create(api_client, seed_document(audience.pk))
    exported = api_client.get(f"/api/v1/journeys/{first['id']}/").json()
    second = create(api_client, exported)  # the GET answer imports as is
    again = api_client.get(f"/api/v1/journeys/{second['id']}/").json()
    assert second["id"] != first["id"]
    strip = lambda d: {k: v for k, v in d.items() if k != "id"}  # noqa: E731
    assert strip(again) == strip(exported)


def test_invalid_definition_400_names_the_path_and_changes_nothing(api_client, audience):
    document = seed_document(audience.pk)
    document["nodes"][3]["config"]["timeout"] = "PT5S"
    response = api_client.post("/api/v1/journeys/", document, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(x["field"], x["code"], x["node"]) for x in errors] == [
        ("nodes[3].config.timeout", "ERR_DURATION_RANGE", "email_opened")
    ]
    assert "40 s" in errors[0]["message"]
    assert Journey.objects.count() == 0


def test_garbage_body_is_a_400(api_client):
    response = api_client.post("/api/v1/journeys/", [1, 2], format="json")
    assert response.status_code == 400
    response = api_client.post(
        "/api/v1/journeys/",
        {"name": "x", "nodes": [{"id": "a", "type": "nope"}], "edges": []},
        format="json",
    )
    assert response.json()["errors"][0]["field"] == "nodes[0].type"


def test_put_replaces_the_draft_and_checks_the_revision(api_client, audience):
    created = create(api_client, seed_document(audience.pk))
    url = f"/api/v1/journeys/{created['id']}/"
    changed = copy.deepcopy(created)
    changed["nodes"][6]["config"]["push"]["title"] = "Merci"
    response = api_client.put(url, changed, format="json")
    assert response.status_code == 200 and response.json()["revision"] == 2
    assert api_client.get(url).json()["nodes"][6]["config"]["push"]["title"] == "Merci"
    stale = api_client.put(url, created, format="json")  # still carries revision 1
    assert stale.status_code == 409
    assert "another tab" in stale.json()["errors"][0]["message"]
    bad = copy.deepcopy(changed) | {"revision": 2}
    bad["nodes"][0]["config"]["rate"] = 1
    response = api_client.put(url, bad, format="json")
    assert (
        response.status_code == 400
        and response.json()["errors"][0]["field"] == "nodes[0].config.rate"
    )
    assert api_client.get(url).json()["revision"] == 2


def test_validate(api_client, audience):
    document = seed_document(audience.pk)
    document["nodes"][2]["config"]["channel"] = "sms"
    document["nodes"][2]["config"]["reaction"] = "clicked"
    created = create(api_client, document)
    report = api_client.post(f"/api/v1/journeys/{created['id']}/validate/").json()
    assert report["valid"] is False
    assert [(x["code"], x["node"]) for x in report["errors"]] == [
        ("ERR_REACTION_CHANNEL", "push_opened")
    ]
    assert all({"code", "node", "message"} <= set(w) for w in report["warnings"])


def test_publish_refused_with_errors_then_published(api_client, audience):
    document = seed_document(audience.pk)
    document["nodes"][6]["config"] = {}
    created = create(api_client, document)
    refused = api_client.post(f"/api/v1/journeys/{created['id']}/publish/")
    assert refused.status_code == 400
    assert [(x["code"], x["field"]) for x in refused.json()["errors"]] == [
        ("ERR_SETTING_REQUIRED", "nodes[6].config.email")
    ]
    fixed = api_client.get(f"/api/v1/journeys/{created['id']}/").json()
    fixed["nodes"][6]["config"] = {"push": {"title": "Thanks", "body": "Thank you"}}
    assert (
        api_client.put(f"/api/v1/journeys/{created['id']}/", fixed, format="json").status_code
        == 200
    )
    published = api_client.post(f"/api/v1/journeys/{created['id']}/publish/")
    assert published.status_code == 200 and published.json()["status"] == "live"
    locked = api_client.put(
        f"/api/v1/journeys/{created['id']}/", fixed | {"revision": None}, format="json"
    )
    assert locked.status_code == 409


def test_publish_stop_close_need_the_permission(no_publish_client, api_client, audience):
    created = create(no_publish_client, seed_document(audience.pk))
    for action in ("publish", "stop", "close"):
        response = no_publish_client.post(f"/api/v1/journeys/{created['id']}/{action}/")
        assert response.status_code == 403, action
        assert "permission" in response.json()["errors"][0]["message"]
    assert JourneyVersion.objects.get().status == "draft"


def test_versions_close_stop(api_client, audience):
    created = create(api_client, seed_document(audience.pk))
    base = f"/api/v1/journeys/{created['id']}"
    assert api_client.post(f"{base}/versions/").status_code == 409  # v1 is a draft: edit it
    api_client.post(f"{base}/publish/")
    v2 = api_client.post(f"{base}/versions/")
    assert v2.status_code == 201 and (v2.json()["version"], v2.json()["status"]) == (2, "draft")
    assert api_client.get(f"{base}/?version=1").json()["status"] == "live"
    assert api_client.post(f"{base}/publish/").json()["version"] == 2
    assert [(v["version"], v["status"]) for v in api_client.get(f"{base}/versions/").json()] == [
        (1, "closed"),
        (2, "live"),
    ]
    assert api_client.post(f"{base}/close/").json()["status"] == "closed"
    assert api_client.post(f"{base}/close/").status_code == 409
    assert api_client.post(f"{base}/stop/").json()["status"] == "stopped"


def test_list_search_and_filter(api_client, audience):
    create(api_client, seed_document(audience.pk))
    other = seed_document(audience.pk) | {"name": "Birthday"}
    created = create(api_client, other)
    api_client.post(f"/api/v1/journeys/{created['id']}/publish/")
    listing = api_client.get("/api/v1/journeys/").json()
    assert listing["count"] == 2
    assert [
        j["name"] for j in api_client.get("/api/v1/journeys/?status=live").json()["results"]
    ] == ["Birthday"]
    found = api_client.get("/api/v1/journeys/?search=multi").json()["results"]
    assert [(j["name"], j["status"], j["version"], j["entry_type"]) for j in found] == [
        ("Multi-channel welcome", "draft", 1, "read_audience")
    ]


def test_anonymous_gets_nothing(client, audience):
    assert client.get("/api/v1/journeys/").status_code in (401, 403)
    assert client.post(
        "/api/v1/journeys/", seed_document(audience.pk), content_type="application/json"
    ).status_code in (401, 403)


def test_openapi_documents_the_journey_endpoints(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/journeys/",
        "/api/v1/journeys/{id}/",
        "/api/v1/journeys/{id}/validate/",
        "/api/v1/journeys/{id}/publish/",
        "/api/v1/journeys/{id}/stop/",
        "/api/v1/journeys/{id}/close/",
        "/api/v1/journeys/{id}/versions/",
    ):
        assert path in schema["paths"], path
