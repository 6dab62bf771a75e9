"""The integrator contract: /api/v1/event-configurations/ and /api/v1/events/."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from audiences.models import Identity
from events.models import Event, EventConfiguration, EventMatch

from .conftest import purchase_data

pytestmark = pytest.mark.django_db

CONTRACT_EXAMPLE = {
    "name": "purchase",
    "type": "unitary",
    "id_type": "rule_based",
    "fields": [
        {"path": "email", "type": "string", "required": True},
        {"path": "purchaseMessage", "type": "string"},
        {"path": "product", "type": "string"},
        {"path": "amount", "type": "number"},
    ],
    "condition": {"field": "purchaseMessage", "op": "eq", "value": "thank you"},
    "namespace": "email",
    "profile_id_field": "email",
}


def post_events(api_client, body, **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return api_client.post("/api/v1/events/", data=data, content_type="application/json", **extra)


def test_the_contract_example_creates_a_configuration(api_client):
    response = api_client.post("/api/v1/event-configurations/", CONTRACT_EXAMPLE, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "purchase" and body["event_id"] is None
    assert body["fields"][0] == {"path": "email", "type": "string", "required": True}
    assert body["fields"][1]["required"] is False
    assert body["example_payload"]["purchaseMessage"] == "thank you"
    assert (
        api_client.get(f"/api/v1/event-configurations/{body['id']}/").json()["name"] == "purchase"
    )
    assert api_client.get("/api/v1/event-configurations/").json()["results"][0]["id"] == body["id"]


def test_a_system_generated_configuration_answers_its_event_id(api_client):
    response = api_client.post(
        "/api/v1/event-configurations/",
        {
            "name": "stock_low",
            "type": "business",
            "id_type": "system_generated",
            "fields": [{"path": "sku", "type": "string"}],
        },
        format="json",
    )
    assert response.status_code == 201
    event_id = response.json()["event_id"]
    assert event_id
    assert response.json()["example_payload"]["eventID"] == event_id
    result = post_events(api_client, {"eventID": event_id, "sku": "A"}).json()["results"][0]
    assert (result["status"], result["matched"]) == ("accepted", ["stock_low"])


def test_configuration_errors_name_the_path_and_change_nothing(api_client):
    bad = CONTRACT_EXAMPLE | {
        "condition": {"all": [{"field": "purchaseMessage", "op": "gt", "value": "x"}]}
    }
    response = api_client.post("/api/v1/event-configurations/", bad, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "condition.all[0].op"
    assert not EventConfiguration.objects.exists()


def test_put_patch_and_delete(api_client):
    created = api_client.post(
        "/api/v1/event-configurations/", CONTRACT_EXAMPLE, format="json"
    ).json()
    url = f"/api/v1/event-configurations/{created['id']}/"
    patched = api_client.patch(url, {"description": "Thank-you purchases"}, format="json")
    assert patched.status_code == 200 and patched.json()["description"] == "Thank-you purchases"
    replaced = api_client.put(url, CONTRACT_EXAMPLE | {"name": "order"}, format="json")
    assert replaced.status_code == 200 and replaced.json()["name"] == "order"
    assert replaced.json()["description"] == ""
    bad = api_client.patch(url, {"profile_id_field": "phone"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "profile_id_field"
    assert api_client.delete(url).status_code == 204
    assert api_client.get(url).status_code == 404


def test_one_event_is_accepted_with_202(api_client, purchase):
    response = post_events(
        api_client,
        {"_id": "o-1", "email": "ana@example.com", "purchaseMessage": "thank you", "amount": 12},
    )
    assert response.status_code == 202
    assert response.json() == {
        "results": [{"_id": "o-1", "status": "accepted", "matched": ["purchase"], "reason": None}]
    }
    assert Identity.objects.filter(namespace="email", value="ana@example.com").exists()


def test_a_list_answers_each_item_and_keeps_the_good_ones(api_client, purchase):
    body = [
        {"_id": 1, "email": "a@example.com", "purchaseMessage": "thank you"},
        {"_id": 2, "email": "b@example.com", "purchaseMessage": "thank you", "amount": "lots"},
        {"_id": 3, "purchaseMessage": "thank you"},
        {"_id": 4, "email": "d@example.com", "purchaseMessage": "bonjour"},
        {"_id": 1, "email": "a@example.com", "purchaseMessage": "thank you"},
    ]
    results = post_events(api_client, body).json()["results"]
    assert [(r["_id"], r["status"], r["reason"]) for r in results] == [
        (1, "accepted", None),
        (2, "discarded", "invalid_type:amount"),
        (3, "discarded", "missing_field:email"),
        (4, "discarded", "no_matching_configuration"),
        (1, "duplicate", None),
    ]
    assert Event.objects.count() == 5 and EventMatch.objects.count() == 1


def test_a_repeated_id_answers_duplicate(api_client, purchase):
    event = {"_id": "o-9", "email": "a@example.com", "purchaseMessage": "thank you"}
    post_events(api_client, event)
    assert post_events(api_client, event).json()["results"][0]["status"] == "duplicate"
    assert EventMatch.objects.count() == 1


@pytest.mark.parametrize("body", ['{"email": ', "[1, 2", "nope"])
def test_malformed_json_is_400_and_stores_nothing(api_client, purchase, body):
    response = post_events(api_client, body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"
    assert not Event.objects.exists()


def test_empty_and_oversized_lists_are_refused(api_client, purchase):
    assert post_events(api_client, []).status_code == 400
    assert post_events(api_client, [{"a": i} for i in range(1001)]).status_code == 400
    assert post_events(api_client, 42).status_code == 400
    assert not Event.objects.exists()


def test_bodies_over_one_megabyte_are_413(api_client, purchase):
    big = {"email": "a@example.com", "purchaseMessage": "thank you", "product": "x" * (1024 * 1024)}
    response = post_events(api_client, big)
    assert response.status_code == 413
    assert not Event.objects.exists()


def test_unknown_event_id_is_discarded_with_its_reason(api_client, purchase):
    result = post_events(api_client, {"eventID": "0000", "x": 1}).json()["results"][0]
    assert (result["status"], result["reason"]) == ("discarded", "unknown_event_id")


def test_the_event_log_is_listed_and_filtered(api_client, purchase):
    post_events(
        api_client,
        [
            {"email": "a@example.com", "purchaseMessage": "thank you"},
            {"email": "b@example.com", "purchaseMessage": "other"},
        ],
    )
    everything = api_client.get("/api/v1/events/").json()["results"]
    assert [e["status"] for e in everything] == ["discarded", "accepted"]
    accepted = api_client.get("/api/v1/events/?status=accepted&configuration=purchase").json()[
        "results"
    ]
    assert len(accepted) == 1 and accepted[0]["matched"] == ["purchase"]
    profile = accepted[0]["profile"]
    assert [
        e["id"] for e in api_client.get(f"/api/v1/events/?profile={profile}").json()["results"]
    ] == [accepted[0]["id"]]


def test_the_api_needs_a_token(purchase):
    anonymous = APIClient()
    assert post_events(
        anonymous, {"email": "a@example.com", "purchaseMessage": "thank you"}
    ).status_code in (401, 403)
    assert anonymous.get("/api/v1/event-configurations/").status_code in (401, 403)
    assert not Event.objects.exists()


def test_the_schema_documents_the_events_api(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/v1/events/" in schema["paths"]
    assert {"get", "post"} <= set(schema["paths"]["/api/v1/events/"])
    assert {"get", "put", "patch", "delete"} <= set(
        schema["paths"]["/api/v1/event-configurations/{id}/"]
    )


def test_purchase_data_helper_is_valid(api_client):
    assert (
        api_client.post("/api/v1/event-configurations/", purchase_data(), format="json").status_code
        == 201
    )
