"""The rule format: validation with paths, and SQL/Python agreement (property test)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audiences.models import Profile
from audiences.rules import (
    MAX_CONDITIONS,
    PROFILE_FIELDS,
    rule_matches,
    rule_to_q,
    validate_rule,
)

SEED_RULE = {
    "all": [
        {"field": "city", "op": "in", "value": ["Atlanta", "San Francisco", "Seattle"]},
        {"field": "birth_year", "op": "gt", "value": 1980},
    ]
}


def paths(rule):
    return [(e.path, e.message) for e in validate_rule(rule, fields=PROFILE_FIELDS)]


def test_seed_rule_is_valid():
    assert paths(SEED_RULE) == []


@pytest.mark.parametrize(
    ("rule", "path", "words"),
    [
        (
            {
                "all": [
                    {"field": "city", "op": "eq", "value": "A"},
                    {"field": "shoe", "op": "eq", "value": 1},
                ]
            },
            "rule.all[1].field",
            "unknown field",
        ),
        (
            {
                "all": [
                    {"field": "city", "op": "eq", "value": "A"},
                    {"field": "city", "op": "like", "value": "x"},
                ]
            },
            "rule.all[1].op",
            "unknown operator",
        ),
        (
            {
                "all": [
                    {"field": "city", "op": "eq", "value": "A"},
                    {"field": "birth_year", "op": "gt", "value": "1980"},
                ]
            },
            "rule.all[1].value",
            "integer",
        ),
        ({"any": []}, "rule.any", "empty group"),
        (
            {"all": [{"field": "city", "op": "gt", "value": "A"}]},
            "rule.all[0].op",
            "does not apply",
        ),
        (
            {"all": [{"field": "birth_year", "op": "between", "value": [2000, 1990]}]},
            "rule.all[0].value",
            "low",
        ),
        ({"not": {"field": "city", "op": "in", "value": []}}, "rule.not.value", "non-empty list"),
        (
            {"all": [{"field": "city", "op": "in", "value": ["A", 3]}]},
            "rule.all[0].value[1]",
            "string",
        ),
        ("city = Paris", "rule", "must be an object"),
    ],
)
def test_invalid_rules_name_the_offending_path(rule, path, words):
    errors = paths(rule)
    assert any(p == path and words in m for p, m in errors), errors


def test_nesting_deeper_than_ten_is_refused():
    rule = {"field": "city", "op": "eq", "value": "A"}
    for _ in range(11):
        rule = {"all": [rule]}
    errors = paths(rule)
    assert errors and "nesting deeper than 10" in errors[0][1]
    ten = {"field": "city", "op": "eq", "value": "A"}
    for _ in range(10):
        ten = {"all": [ten]}
    assert paths(ten) == []


def test_more_than_200_conditions_is_refused():
    many = {
        "any": [{"field": "city", "op": "eq", "value": str(i)} for i in range(MAX_CONDITIONS + 1)]
    }
    assert any("too many conditions" in m for _, m in paths(many))
    enough = {"any": many["any"][:MAX_CONDITIONS]}
    assert paths(enough) == []


# --- SQL and Python agree ---------------------------------------------------------------------

CITIES = ["Atlanta", "Seattle", "San Francisco", "Paris", "atlanta", ""]
NAMES = ["Ana", "anna", "Bob", "", "Zoé", "Al"]

string_value = st.sampled_from(["Atlanta", "Seattle", "Ana", "an", "A", "at", "Paris", "Bo", "zo"])
int_value = st.integers(min_value=1940, max_value=2015)


@st.composite
def condition(draw):
    field = draw(st.sampled_from(["city", "first_name", "birth_year", "is_test", "consent_email"]))
    spec = PROFILE_FIELDS[field]
    if spec.type == "boolean":
        op = draw(st.sampled_from(["eq", "neq", "is_set", "is_not_set"]))
        value = draw(st.booleans())
    elif spec.type == "integer":
        op = draw(
            st.sampled_from(
                [
                    "eq",
                    "neq",
                    "in",
                    "not_in",
                    "gt",
                    "gte",
                    "lt",
                    "lte",
                    "between",
                    "is_set",
                    "is_not_set",
                ]
            )
        )
        value = draw(int_value)
        if op in ("in", "not_in"):
            value = draw(st.lists(int_value, min_size=1, max_size=4))
        elif op == "between":
            low, high = sorted([draw(int_value), draw(int_value)])
            value = [low, high]
    else:
        op = draw(
            st.sampled_from(
                ["eq", "neq", "in", "not_in", "contains", "starts_with", "is_set", "is_not_set"]
            )
        )
        value = draw(string_value)
        if op in ("in", "not_in"):
            value = draw(st.lists(string_value, min_size=1, max_size=3))
    node = {"field": field, "op": op}
    if op not in ("is_set", "is_not_set"):
        node["value"] = value
    return node


rules = st.recursive(
    condition(),
    lambda children: st.one_of(
        st.builds(lambda c: {"all": c}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda c: {"any": c}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda c: {"not": c}, children),
    ),
    max_leaves=8,
)

profile_rows = st.fixed_dictionaries(
    {
        "city": st.sampled_from(CITIES),
        "first_name": st.sampled_from(NAMES),
        "birth_year": st.one_of(st.none(), int_value),
        "is_test": st.booleans(),
        "consent_email": st.booleans(),
    }
)


@pytest.mark.django_db
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rule=rules, rows=st.lists(profile_rows, min_size=1, max_size=8))
def test_sql_and_python_agree_on_random_rules_and_profiles(rule, rows):
    assert validate_rule(rule, fields=PROFILE_FIELDS) == []
    Profile.objects.all().delete()
    profiles = Profile.objects.bulk_create([Profile(**row) for row in rows])
    by_sql = set(
        Profile.objects.filter(rule_to_q(rule, fields=PROFILE_FIELDS)).values_list("pk", flat=True)
    )
    by_python = {
        p.pk
        for p, row in zip(profiles, rows, strict=True)
        if rule_matches(rule, row, fields=PROFILE_FIELDS)
    }
    assert by_sql == by_python
