"""Audience services and selectors: valid audiences are saved, invalid ones are refused whole
with the path of the offending part; counts, samples and members come from SQL."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from audiences.models import Audience, Identity, Profile
from audiences.rules import PROFILE_FIELDS
from audiences.rules.describe import describe_rule
from audiences.selectors.audiences import (
    audience_count,
    audience_profiles,
    audience_sample,
    field_value_suggestions,
)
from audiences.services.audiences import (
    AudienceInvalid,
    audience_create,
    audience_delete,
    audience_update,
)

pytestmark = pytest.mark.django_db

SEED_RULE = {
    "all": [
        {"field": "city", "op": "in", "value": ["Atlanta", "San Francisco", "Seattle"]},
        {"field": "birth_year", "op": "gt", "value": 1980},
    ]
}


@pytest.fixture
def people():
    cache.clear()  # value suggestions are cached briefly
    rows = [
        ("Atlanta", 1985),
        ("Atlanta", 1980),
        ("Seattle", 1999),
        ("Paris", 1990),
        ("Seattle", None),
        ("Boston", 2001),
    ]
    profiles = Profile.objects.bulk_create(
        [
            Profile(first_name=f"P{i}", city=city, birth_year=year)
            for i, (city, year) in enumerate(rows)
        ]
    )
    Identity.objects.bulk_create(
        [Identity(profile=p, namespace="email", value=f"p{p.pk}@example.com") for p in profiles]
    )
    return profiles


def test_create_saves_a_valid_audience():
    audience = audience_create(name="  Seed  ", rule=SEED_RULE, description="west coast")
    audience.refresh_from_db()
    assert (audience.name, audience.rule, audience.description) == ("Seed", SEED_RULE, "west coast")


@pytest.mark.parametrize(
    ("rule", "path"),
    [
        (
            {
                "all": [
                    {"field": "city", "op": "eq", "value": "A"},
                    {"field": "shoe_size", "op": "eq", "value": 1},
                ]
            },
            "rule.all[1].field",
        ),
        (
            {
                "all": [
                    {"field": "city", "op": "eq", "value": "A"},
                    {"field": "city", "op": "like", "value": "A"},
                ]
            },
            "rule.all[1].op",
        ),
        (
            {
                "all": [
                    {"field": "city", "op": "eq", "value": "A"},
                    {"field": "birth_year", "op": "gt", "value": "1980"},
                ]
            },
            "rule.all[1].value",
        ),
        ({"any": []}, "rule.any"),
    ],
)
def test_create_refuses_an_invalid_rule_naming_the_path_and_saves_nothing(rule, path):
    with pytest.raises(AudienceInvalid) as raised:
        audience_create(name="Broken", rule=rule)
    assert path in [error["field"] for error in raised.value.errors]
    assert not Audience.objects.exists()


def test_names_are_required_and_unique_ignoring_case():
    audience_create(name="Seed", rule=SEED_RULE)
    with pytest.raises(AudienceInvalid) as raised:
        audience_create(name="seed", rule=SEED_RULE)
    assert raised.value.errors[0]["field"] == "name"
    with pytest.raises(AudienceInvalid) as raised:
        audience_create(name="   ", rule=SEED_RULE)
    assert raised.value.errors[0] == {
        "field": "name",
        "message": "required: give the audience a name",
    }
    assert Audience.objects.count() == 1


def test_update_changes_what_is_given_and_an_invalid_update_changes_nothing():
    audience = audience_create(name="Seed", rule=SEED_RULE)
    audience_update(audience=audience, description="new words")
    assert Audience.objects.get().rule == SEED_RULE
    with pytest.raises(AudienceInvalid):
        audience_update(
            audience=audience,
            name="Renamed",
            rule={"all": [{"field": "city", "op": "gt", "value": 3}]},
        )
    stored = Audience.objects.get()
    assert (stored.name, stored.rule, stored.description) == ("Seed", SEED_RULE, "new words")


def test_delete_removes_the_audience():
    audience = audience_create(name="Seed", rule=SEED_RULE)
    audience_delete(audience=audience)
    assert not Audience.objects.exists()


def test_count_sample_and_members_follow_the_rule(people):
    audience = audience_create(name="Seed", rule=SEED_RULE)
    expected = {people[0].pk, people[2].pk}
    assert audience_count(audience=audience) == 2
    assert set(audience_profiles(audience=audience).values_list("pk", flat=True)) == expected
    sample = audience_sample(audience=audience)
    assert {p.pk for p in sample} == expected
    assert {p.email for p in sample} == {f"p{pk}@example.com" for pk in expected}


def test_value_suggestions_come_from_the_data_most_common_first(people):
    assert field_value_suggestions(field="city") == [
        {"value": "Atlanta", "count": 2},
        {"value": "Seattle", "count": 2},
        {"value": "Boston", "count": 1},
        {"value": "Paris", "count": 1},
    ]
    assert field_value_suggestions(field="city", prefix="sea") == [{"value": "Seattle", "count": 2}]
    assert field_value_suggestions(field="birth_year") == []
    assert field_value_suggestions(field="phone") == []  # unique values: nothing worth suggesting


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        (
            SEED_RULE,
            "City is one of Atlanta, San Francisco, Seattle and Birth year greater than 1980",
        ),
        (
            {
                "any": [
                    {"field": "first_name", "op": "starts_with", "value": "A"},
                    {"not": {"field": "city", "op": "eq", "value": "Paris"}},
                ]
            },
            "First name starts with A or not (City is Paris)",
        ),
        (
            {
                "all": [
                    {"field": "is_test", "op": "eq", "value": True},
                    {
                        "any": [
                            {"field": "birth_year", "op": "between", "value": [1980, 1990]},
                            {"field": "phone", "op": "is_set"},
                        ]
                    },
                ]
            },
            "Test profile is yes and (Birth year between 1980 and 1990 or Phone is set)",
        ),
        ({"all": [{"field": "shoe", "op": "eq", "value": 42}]}, "shoe is 42"),
        ({"all": []}, "(no conditions)"),
    ],
)
def test_describe_rule_reads_like_a_sentence(rule, text):
    assert describe_rule(rule, PROFILE_FIELDS) == text
