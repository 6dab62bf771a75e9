"""Audience pages: list with lazy counts, the builder page (create / edit / delete), the live
preview fragment, value suggestions. (The builder in real Chromium: test_audience_builder_browser.)"""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache

from audiences.models import Audience, Profile

pytestmark = pytest.mark.django_db

SEED_RULE = {
    "all": [
        {"field": "city", "op": "in", "value": ["Atlanta", "San Francisco", "Seattle"]},
        {"field": "birth_year", "op": "gt", "value": 1980},
    ]
}


@pytest.fixture
def people():
    cache.clear()
    rows = [
        ("Ana", "Atlanta", 1985),
        ("Bo", "Seattle", 1999),
        ("Cy", "Seattle", 1970),
        ("Di", "Paris", 1990),
    ]
    return Profile.objects.bulk_create(
        [Profile(first_name=n, city=c, birth_year=y) for n, c, y in rows]
    )


def test_list_shows_each_audience_with_its_readable_rule_and_a_lazy_count(logged_client, people):
    seed = Audience.objects.create(name="Seed", rule=SEED_RULE)
    html = logged_client.get("/audiences/").content.decode()
    assert "Seed" in html
    assert "City is one of Atlanta, San Francisco, Seattle and Birth year greater than 1980" in html
    assert f'hx-get="/audiences/{seed.pk}/count/"' in html
    cell = logged_client.get(f"/audiences/{seed.pk}/count/").content.decode()
    assert 'data-count="2"' in cell


def test_empty_list_invites_to_create_one(logged_client):
    html = logged_client.get("/audiences/").content.decode()
    assert "No audiences yet" in html
    assert 'href="/audiences/new/"' in html


def test_creating_from_the_builder_page_saves_and_returns_to_the_list(logged_client):
    page = logged_client.get("/audiences/new/").content.decode()
    assert "data-rule-builder" in page and 'data-field="city"' in page
    response = logged_client.post(
        "/audiences/new/", {"name": "Seed", "description": "", "rule": json.dumps(SEED_RULE)}
    )
    assert response.status_code == 302 and response["Location"] == "/audiences/"
    assert Audience.objects.get(name="Seed").rule == SEED_RULE


def test_an_invalid_rule_is_shown_back_with_errors_at_their_paths_and_nothing_saved(logged_client):
    bad = {
        "all": [
            {"field": "city", "op": "in", "value": ["Atlanta"]},
            {"field": "birth_year", "op": "gt", "value": "x"},
        ]
    }
    response = logged_client.post("/audiences/new/", {"name": "", "rule": json.dumps(bad)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "give the audience a name" in html
    config = response.context["builder"].config
    assert config["errors"] == [{"field": "rule.all[1].value", "message": "must be an integer"}]
    assert json.loads(response.context["builder"].rule_json) == bad  # the marketer's work is kept
    assert not Audience.objects.exists()


def test_malformed_rule_json_is_refused(logged_client):
    response = logged_client.post("/audiences/new/", {"name": "X", "rule": "{not json"})
    assert response.status_code == 400
    assert "not valid JSON" in response.content.decode()
    assert not Audience.objects.exists()


def test_editing_and_deleting_an_audience(logged_client):
    seed = Audience.objects.create(name="Seed", rule=SEED_RULE)
    html = logged_client.get(f"/audiences/{seed.pk}/").content.decode()
    assert 'value="Seed"' in html
    new_rule = {"all": [{"field": "city", "op": "eq", "value": "Paris"}]}
    logged_client.post(
        f"/audiences/{seed.pk}/", {"name": "Parisians", "rule": json.dumps(new_rule)}
    )
    seed.refresh_from_db()
    assert (seed.name, seed.rule) == ("Parisians", new_rule)
    logged_client.post(f"/audiences/{seed.pk}/delete/")
    assert not Audience.objects.exists()


def test_preview_counts_and_samples_the_posted_rule(logged_client, people):
    response = logged_client.post(
        "/audiences/preview/", {"rule": json.dumps(SEED_RULE)}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert 'data-count="2"' in html
    assert "Ana" in html and "Bo" in html and "Cy" not in html
    assert json.loads(response["HX-Trigger"]) == {
        "rule-errors": {"builder": "audience-rule", "errors": []}
    }


def test_preview_of_a_rule_nobody_matches(logged_client, people):
    rule = {"all": [{"field": "city", "op": "eq", "value": "Nowhere"}]}
    html = logged_client.post("/audiences/preview/", {"rule": json.dumps(rule)}).content.decode()
    assert 'data-count="0"' in html and "No profile matches this rule yet" in html


def test_preview_of_an_invalid_rule_sends_the_errors_to_the_builder(logged_client, people):
    bad = {"all": [{"field": "city", "op": "gt", "value": "A"}]}
    response = logged_client.post(
        "/audiences/preview/", {"rule": json.dumps(bad)}, HTTP_HX_REQUEST="true"
    )
    assert "data-count" not in response.content.decode()
    errors = json.loads(response["HX-Trigger"])["rule-errors"]["errors"]
    assert [e["field"] for e in errors] == ["rule.all[0].op"]


def test_preview_of_an_empty_builder_invites_to_add_a_condition(logged_client):
    response = logged_client.post("/audiences/preview/", {"rule": json.dumps({"all": []})})
    assert "Add a condition" in response.content.decode()


def test_city_suggestions_come_from_the_data(logged_client, people):
    data = logged_client.get("/audiences/fields/city/values/?q=se").json()
    assert data == {"values": [{"value": "Seattle", "count": 2}]}
    assert logged_client.get("/audiences/fields/shoe/values/").status_code == 404


def test_pages_need_a_login(client):
    for url in ("/audiences/new/", "/audiences/fields/city/values/"):
        assert client.get(url).status_code == 302
