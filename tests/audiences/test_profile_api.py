"""Profiles API as the contract says: upsert, batch, look-up, one profile, PATCH, DELETE."""

from __future__ import annotations

import pytest

from audiences.models import Profile

pytestmark = pytest.mark.django_db

ANA = {
    "identities": {"email": "ana@example.com", "crm_id": "C-17"},
    "attributes": {
        "first_name": "Ana",
        "city": "Atlanta",
        "birth_year": 1985,
        "timezone": "America/New_York",
    },
    "push_tokens": ["device-token-1"],
    "phone": "+14045550100",
    "consent": {"email": True, "push": True, "sms": False},
    "is_test": False,
}


def test_upsert_answers_201_then_200_with_the_full_profile(api_client):
    created = api_client.post("/api/v1/profiles/", ANA, format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["identities"] == {"crm_id": "C-17", "email": "ana@example.com"}
    assert body["attributes"]["city"] == "Atlanta" and body["attributes"]["birth_year"] == 1985
    assert body["consent"] == {"email": True, "push": True, "sms": False}
    assert body["push_tokens"] == ["device-token-1"] and body["phone"] == "+14045550100"

    updated = api_client.post(
        "/api/v1/profiles/",
        {"identities": {"crm_id": "C-17"}, "attributes": {"city": "Seattle"}},
        format="json",
    )
    assert updated.status_code == 200
    assert updated.json()["id"] == body["id"]
    assert updated.json()["attributes"]["city"] == "Seattle"


def test_malformed_profile_gets_400_per_field(api_client):
    response = api_client.post(
        "/api/v1/profiles/",
        {"identities": {"email": "nope"}, "attributes": {"birth_year": 3000}, "colour": "red"},
        format="json",
    )
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"identities.email", "attributes.birth_year", "colour"}
    assert Profile.objects.count() == 0


def test_identities_of_two_profiles_get_400_naming_identities(api_client):
    api_client.post("/api/v1/profiles/", {"identities": {"email": "a@example.com"}}, format="json")
    api_client.post("/api/v1/profiles/", {"identities": {"crm_id": "B"}}, format="json")
    response = api_client.post(
        "/api/v1/profiles/",
        {"identities": {"email": "a@example.com", "crm_id": "B"}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "identities"


def test_batch_answers_counts(api_client):
    api_client.post("/api/v1/profiles/", ANA, format="json")
    items = [ANA | {"attributes": {"city": "Boston"}}] + [
        {"identities": {"email": f"p{i}@example.com"}} for i in range(3)
    ]
    response = api_client.post("/api/v1/profiles/batch/", items, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["updated"], body["errors"]) == (3, 1, [])
    assert len(body["ids"]) == 4
    assert Profile.objects.get(pk=body["ids"][0]).city == "Boston"


def test_batch_with_one_bad_item_is_refused_whole_naming_it(api_client):
    items = [{"identities": {"email": f"p{i}@example.com"}} for i in range(5)]
    items[3]["attributes"] = {"birth_year": "1985"}
    response = api_client.post("/api/v1/profiles/batch/", {"items": items}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "items[3].attributes.birth_year",
            "message": "Must be an integer (a year like 1985).",
        }
    ]
    assert Profile.objects.count() == 0


def test_batch_must_be_a_list_of_at_most_1000(api_client):
    assert (
        api_client.post("/api/v1/profiles/batch/", {"identities": {}}, format="json").status_code
        == 400
    )
    too_many = [{"identities": {"crm_id": str(i)}} for i in range(1001)]
    response = api_client.post("/api/v1/profiles/batch/", too_many, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "items"


def test_look_up_by_identity(api_client):
    ana = api_client.post("/api/v1/profiles/", ANA, format="json").json()
    api_client.post(
        "/api/v1/profiles/", {"identities": {"email": "ben@example.com"}}, format="json"
    )
    found = api_client.get("/api/v1/profiles/", {"identity": "email:Ana@Example.com"}).json()
    assert [p["id"] for p in found["results"]] == [ana["id"]]
    assert (
        api_client.get("/api/v1/profiles/", {"identity": "email:nobody@example.com"}).json()[
            "results"
        ]
        == []
    )
    bad = api_client.get("/api/v1/profiles/", {"identity": "ana@example.com"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "identity"


def test_list_is_paginated_newest_first_and_filters(api_client):
    for i in range(5):
        api_client.post(
            "/api/v1/profiles/",
            {
                "identities": {"crm_id": f"C{i}"},
                "attributes": {"city": "Paris" if i % 2 else "Lyon"},
            },
            format="json",
        )
    page = api_client.get("/api/v1/profiles/", {"limit": 2}).json()
    assert [p["identities"]["crm_id"] for p in page["results"]] == ["C4", "C3"]
    following = api_client.get(page["next"]).json()
    assert [p["identities"]["crm_id"] for p in following["results"]] == ["C2", "C1"]
    paris = api_client.get("/api/v1/profiles/", {"city": "Paris"}).json()
    assert {p["identities"]["crm_id"] for p in paris["results"]} == {"C1", "C3"}


def test_get_patch_delete_one_profile(api_client):
    ana = api_client.post("/api/v1/profiles/", ANA, format="json").json()
    url = f"/api/v1/profiles/{ana['id']}/"
    assert api_client.get(url).json()["identities"]["email"] == "ana@example.com"
    patched = api_client.patch(
        url, {"push_tokens": ["new"], "attributes": {"last_name": "Lee"}}, format="json"
    )
    assert patched.status_code == 200
    assert (
        patched.json()["push_tokens"] == ["new"]
        and patched.json()["attributes"]["last_name"] == "Lee"
    )
    bad = api_client.patch(url, {"consent": {"email": "sure"}}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "consent.email"
    assert api_client.delete(url).status_code == 204
    assert api_client.get(url).status_code == 404
    assert api_client.patch(url, {"is_test": True}, format="json").status_code == 404


def test_api_needs_a_token(client):
    assert client.post("/api/v1/profiles/", ANA, content_type="application/json").status_code in (
        401,
        403,
    )
    assert client.get("/api/v1/profiles/").status_code in (401, 403)
    assert Profile.objects.count() == 0


def test_profiles_are_documented_in_the_schema(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert {
        "/api/v1/profiles/",
        "/api/v1/profiles/batch/",
        "/api/v1/profiles/{profile_id}/",
    } <= set(paths)
    assert "ProfileInput" in schema["components"]["schemas"]
    assert set(paths["/api/v1/profiles/{profile_id}/"]) >= {"get", "patch", "delete"}
