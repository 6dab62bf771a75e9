"""Admins see each audience's rule as a sentence and cannot save an invalid rule."""

from __future__ import annotations

import json

import pytest

from audiences.models import Audience

pytestmark = pytest.mark.django_db

SEED_RULE = {
    "all": [
        {"field": "city", "op": "in", "value": ["Atlanta", "San Francisco", "Seattle"]},
        {"field": "birth_year", "op": "gt", "value": 1980},
    ]
}


def test_changelist_and_change_page_show_the_rule_readably(logged_client):
    seed = Audience.objects.create(name="Seed", rule=SEED_RULE)
    sentence = "City is one of Atlanta, San Francisco, Seattle and Birth year greater than 1980"
    assert sentence in logged_client.get("/admin/audiences/audience/").content.decode()
    page = logged_client.get(f"/admin/audiences/audience/{seed.pk}/change/").content.decode()
    assert sentence in page and "Profiles now" in page


def test_an_invalid_rule_is_refused_with_its_path(logged_client):
    bad = {
        "all": [
            {"field": "city", "op": "in", "value": ["Atlanta"]},
            {"field": "birth_year", "op": "gt", "value": "1980"},
        ]
    }
    response = logged_client.post(
        "/admin/audiences/audience/add/",
        {"name": "Bad", "description": "", "rule": json.dumps(bad)},
    )
    assert response.status_code == 200
    assert "rule.all[1].value: must be an integer" in response.content.decode()
    assert not Audience.objects.exists()


def test_a_valid_rule_is_saved(logged_client):
    response = logged_client.post(
        "/admin/audiences/audience/add/",
        {"name": "Seed", "description": "", "rule": json.dumps(SEED_RULE)},
    )
    assert response.status_code == 302
    assert Audience.objects.get(name="Seed").rule == SEED_RULE
