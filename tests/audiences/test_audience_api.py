"""The audiences API as the contract says: create, read, change, delete, preview; every bad
rule is a 400 naming its path, and nothing is saved."""

from __future__ import annotations

import pytest

from audiences.models import Audience, Identity, Profile

pytestmark = pytest.mark.django_db

SEED_RULE = {
    "all": [
        {"field": "city", "op": "in", "value": ["Atlanta", "San Francisco", "Seattle"]},
        {"field": "birth_year", "op": "gt", "value": 1980},
    ]
}


def condition(i=0):
    return {"field": "city", "op": "eq", "value": f"City {i}"}


def nested(levels):
    rule = condition()
    for _ in range(levels):
        rule = {"all": [rule]}
    return rule


@pytest.fixture
def people():
    rows = [
        ("Ana", "Atlanta", 1985),
        ("Bo", "Seattle", 1999),
        ("Cy", "Seattle", 1970),
        ("Di", "Paris", 1990),
    ]
    profiles = Profile.objects.bulk_create(
        [Profile(first_name=n, city=c, birth_year=y, consent_email=True) for n, c, y in rows]
    )
    Identity.objects.bulk_create(
        [
            Identity(profile=p, namespace="email", value=f"{p.first_name.lower()}@example.com")
            for p in profiles
        ]
    )
    return profiles


def test_create_answers_the_audience(api_client):
    response = api_client.post(
        "/api/v1/audiences/", {"name": "Seed", "rule": SEED_RULE}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Seed" and body["rule"] == SEED_RULE and isinstance(body["id"], int)
    assert (
        body["rule_text"]
        == "City is one of Atlanta, San Francisco, Seattle and Birth year greater than 1980"
    )
    assert Audience.objects.get(pk=body["id"]).rule == SEED_RULE


@pytest.mark.parametrize(
    ("rule", "path", "words"),
    [
        (
            {"all": [condition(), {"field": "shoe_size", "op": "eq", "value": 42}]},
            "rule.all[1].field",
            "unknown field",
        ),
        (
            {"all": [condition(), {"field": "city", "op": "like", "value": "x"}]},
            "rule.all[1].op",
            "unknown operator",
        ),
        (
            {"all": [condition(), {"field": "birth_year", "op": "gt", "value": "1980"}]},
            "rule.all[1].value",
            "integer",
        ),
        (
            {"all": [condition(), {"field": "consent_email", "op": "eq", "value": "yes"}]},
            "rule.all[1].value",
            "true or false",
        ),
        ({"all": [condition(), {"any": []}]}, "rule.all[1].any", "empty group"),
        (nested(11), "rule" + ".all[0]" * 10, "nesting deeper than 10"),
        ({"any": [condition(i) for i in range(201)]}, "rule", "too many conditions"),
        ("city = Paris", "rule", "must be an object"),
    ],
)
def test_bad_rules_are_refused_with_their_path_and_nothing_is_saved(api_client, rule, path, words):
    response = api_client.post("/api/v1/audiences/", {"name": "Bad", "rule": rule}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert any(e["field"] == path and words in e["message"] for e in errors), errors
    assert not Audience.objects.exists()


def test_missing_name_and_rule_are_named(api_client):
    response = api_client.post("/api/v1/audiences/", {}, format="json")
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"name", "rule"}


def test_duplicate_name_is_refused(api_client):
    Audience.objects.create(name="Seed", rule=SEED_RULE)
    response = api_client.post(
        "/api/v1/audiences/", {"name": "SEED", "rule": SEED_RULE}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "name"
    assert Audience.objects.count() == 1


def test_list_retrieve_replace_patch_delete(api_client):
    seed = Audience.objects.create(name="Seed", rule=SEED_RULE)
    listed = api_client.get("/api/v1/audiences/").json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == seed.pk
    assert api_client.get(f"/api/v1/audiences/{seed.pk}/").json()["rule"] == SEED_RULE

    paris = {"all": [{"field": "city", "op": "eq", "value": "Paris"}]}
    put = api_client.put(
        f"/api/v1/audiences/{seed.pk}/", {"name": "Parisians", "rule": paris}, format="json"
    )
    assert put.status_code == 200 and put.json()["name"] == "Parisians"
    patch = api_client.patch(
        f"/api/v1/audiences/{seed.pk}/", {"description": "from Paris"}, format="json"
    )
    assert patch.json()["rule"] == paris and patch.json()["description"] == "from Paris"

    bad = api_client.patch(
        f"/api/v1/audiences/{seed.pk}/",
        {"rule": {"all": [{"field": "city", "op": "gt", "value": 1}]}},
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "rule.all[0].op"
    seed.refresh_from_db()
    assert (seed.name, seed.rule, seed.description) == ("Parisians", paris, "from Paris")

    assert api_client.delete(f"/api/v1/audiences/{seed.pk}/").status_code == 204
    assert api_client.get(f"/api/v1/audiences/{seed.pk}/").status_code == 404


def test_preview_counts_and_samples_the_members(api_client, people):
    seed = Audience.objects.create(name="Seed", rule=SEED_RULE)
    body = api_client.get(f"/api/v1/audiences/{seed.pk}/preview/").json()
    assert body["count"] == 2
    by_name = {p["attributes"]["first_name"]: p for p in body["sample"]}
    assert set(by_name) == {"Ana", "Bo"}
    assert by_name["Ana"]["identities"] == {"email": "ana@example.com"}
    assert by_name["Ana"]["attributes"]["city"] == "Atlanta"
    assert by_name["Ana"]["consent"] == {"email": True, "push": False, "sms": False}
    assert api_client.get(f"/api/v1/audiences/{seed.pk}/preview/?size=1").json()["count"] == 2
    assert len(api_client.get(f"/api/v1/audiences/{seed.pk}/preview/?size=1").json()["sample"]) == 1
    assert api_client.get(f"/api/v1/audiences/{seed.pk}/preview/?size=abc").status_code == 400


def test_preview_of_an_unsaved_rule(api_client, people):
    body = api_client.post("/api/v1/audiences/preview/", {"rule": SEED_RULE}, format="json").json()
    assert body["count"] == 2
    bad = api_client.post("/api/v1/audiences/preview/", {"rule": {"any": []}}, format="json")
    assert bad.status_code == 400 and bad.json() == {
        "errors": [{"field": "rule.any", "message": "empty group: add at least one condition"}]
    }


def test_the_api_needs_a_token(client):
    assert client.get("/api/v1/audiences/").status_code in (401, 403)
    assert client.post(
        "/api/v1/audiences/", {"name": "x", "rule": SEED_RULE}, content_type="application/json"
    ).status_code in (401, 403)
    assert not Audience.objects.exists()


def test_openapi_documents_the_audience_endpoints_with_rule_examples(logged_client):
    schema = logged_client.get("/api/schema/?format=json").json()
    assert {
        "/api/v1/audiences/",
        "/api/v1/audiences/{id}/",
        "/api/v1/audiences/{id}/preview/",
    } <= set(schema["paths"])
    post = schema["paths"]["/api/v1/audiences/"]["post"]
    examples = post["requestBody"]["content"]["application/json"]["examples"]
    assert any(example["value"]["rule"] == SEED_RULE for example in examples.values())
