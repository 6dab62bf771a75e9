"""The rule builder in real Chromium: a marketer builds the seed audience by dragging fields
from the left pane, sees the right count, and saves it; keyboard-only use works too."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache

from audiences.models import Audience, Identity, Profile
from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEED_CITIES = ["Atlanta", "San Francisco", "Seattle"]
SEED_RULE = {
    "all": [
        {"field": "city", "op": "in", "value": SEED_CITIES},
        {"field": "birth_year", "op": "gt", "value": 1980},
    ]
}
ROWS = [
    # (first, last, city, birth year)
    ("Ana", "Lopez", "Atlanta", 1985),
    ("Ben", "Kim", "Atlanta", 1980),  # born in 1980: not *after* 1980
    ("Chloé", "Martin", "Seattle", 1999),
    ("David", "Chen", "San Francisco", 2001),
    ("Emma", "Smith", "San Francisco", 1975),
    ("Farid", "Patel", "Paris", 1990),
    ("Grace", "Young", "Seattle", None),
    ("Hugo", "Rossi", "Boston", 1988),
    ("Inès", "Garcia", "Seattle", 1981),
    ("Jamal", "Evans", "Atlanta", 2004),
    ("Kara", "Ito", "Chicago", 2000),
    ("Liam", "Brown", "", 1995),
]


@pytest.fixture
def profiles():
    cache.clear()  # value suggestions are cached briefly
    created = Profile.objects.bulk_create(
        [
            Profile(first_name=first, last_name=last, city=city, birth_year=year)
            for first, last, city, year in ROWS
        ]
    )
    Identity.objects.bulk_create(
        [
            Identity(profile=p, namespace="email", value=f"{p.first_name.lower()}@example.com")
            for p in created
        ]
    )
    return created


def expected_seed_count() -> int:
    by_data = sum(
        1 for _, _, city, year in ROWS if city in SEED_CITIES and year is not None and year > 1980
    )
    by_db = Profile.objects.filter(city__in=SEED_CITIES, birth_year__gt=1980).count()
    assert by_data == by_db == 5
    return by_db


def add_city_value(page, text):
    chips = page.get_by_label("City values")
    chips.fill(text)
    chips.press("Enter")


def test_marketer_builds_the_seed_audience_by_dragging_fields(page, profiles):
    page.goto("/audiences/")
    page.get_by_role("link", name="+ Create audience").click()
    page.get_by_role("textbox", name="Name", exact=True).fill(
        "West coast & Atlanta, born after 1980"
    )

    palette = page.locator(".rb-palette")
    drop = page.locator(".rb-root > .rb-drop")
    palette.get_by_role("button", name="Add condition on City").drag_to(drop)
    city = page.locator(".rb-condition", has_text="City")
    expect_op = city.get_by_label("Operator for City")
    assert expect_op.input_value() == "in"
    # values are suggested from the data while typing
    page.get_by_label("City values").fill("Sea")
    suggestion = page.locator(".rb-suggest li", has_text="Seattle")
    suggestion.wait_for()
    assert "3" in suggestion.inner_text()  # three profiles live in Seattle
    suggestion.click()
    add_city_value(page, "Atlanta")
    add_city_value(page, "San Francisco")

    palette.get_by_role("button", name="Add condition on Birth year").drag_to(drop)
    page.get_by_label("Operator for Birth year").select_option("gt")
    page.get_by_label("Birth year value").fill("1980")

    count = page.locator("[data-testid=audience-count]")
    page.wait_for_function(
        "n => document.querySelector('[data-testid=audience-count]')?.dataset.count === String(n)",
        arg=expected_seed_count(),
    )
    assert "5 profiles" in count.inner_text()
    assert page.locator(".ab-sample-list li").count() == 5
    screenshot(page, "audience-builder-seed")

    page.get_by_test_id("save-audience").click()
    page.wait_for_url("**/audiences/")
    audience = Audience.objects.get(name="West coast & Atlanta, born after 1980")
    assert audience.rule == {
        "all": [
            {"field": "city", "op": "in", "value": ["Seattle", "Atlanta", "San Francisco"]},
            {"field": "birth_year", "op": "gt", "value": 1980},
        ]
    }
    row = page.locator("tr", has_text="West coast & Atlanta")
    assert (
        "City is one of Seattle, Atlanta, San Francisco and Birth year greater than 1980"
        in row.inner_text()
    )
    row.locator("[data-count]").wait_for()
    assert row.locator("[data-count]").inner_text() == "5"
    screenshot(page, "audience-list")


def test_builder_is_usable_with_the_keyboard_only(page, profiles):
    page.goto("/audiences/new/")
    page.get_by_role("textbox", name="Name", exact=True).focus()
    page.keyboard.type("Keyboard audience")
    # Tab from the name through the description into the palette: its search box, then City.
    city = page.get_by_role("button", name="Add condition on City")
    for _ in range(12):
        page.keyboard.press("Tab")
        if city.evaluate("el => el === document.activeElement"):
            break
    assert city.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    # focus lands in the new condition's value input
    values = page.get_by_label("City values")
    assert values.evaluate("el => el === document.activeElement")
    page.keyboard.type("Seattle")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=audience-count]')?.dataset.count === '3'"
    )
    rule = json.loads(page.locator("#audience-rule input.rb-value").input_value())
    assert rule == {"all": [{"field": "city", "op": "in", "value": ["Seattle"]}]}
    page.keyboard.press("Control+Enter")  # no accidental submit from the builder
    page.get_by_test_id("save-audience").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/audiences/")
    assert Audience.objects.get(name="Keyboard audience").rule == rule


def current_rule(page):
    return json.loads(page.locator("#audience-rule input.rb-value").input_value())


def test_groups_not_and_inline_errors(page, profiles):
    page.goto("/audiences/new/")
    screenshot(page, "audience-builder-empty")
    palette = page.locator(".rb-palette")
    palette.get_by_role("button", name="Add condition on City").click()
    add_city_value(page, "Seattle")
    add_city_value(page, "Atlanta")
    # a nested OR group: (birth year between 1990 and 1980 — wrong way round) or first name starts with "J"
    page.locator(".rb-root > .rb-group-head").get_by_role("button", name="+ Group").click()
    nested = page.locator(".rb-nested-group")
    assert nested.get_by_role("button", name="Any").get_attribute("aria-pressed") == "true"
    # the new empty group is named by the server at its own place
    nested.locator(".rb-error", has_text="empty group").wait_for()
    palette.get_by_role(
        "button", name="Add condition on Birth year"
    ).click()  # goes to the active (nested) group
    page.get_by_label("Operator for Birth year").select_option("between")
    page.get_by_label("Birth year from").fill("1990")
    page.get_by_label("Birth year to").fill("1980")
    error = nested.locator(".rb-condition", has_text="Birth year").locator(".rb-error")
    error.wait_for()
    assert "low must not be greater than high" in error.inner_text()
    assert page.locator("[data-testid=audience-count]").count() == 0
    screenshot(page, "audience-builder-error")

    page.get_by_label("Birth year from").fill("1980")
    page.get_by_label("Birth year to").fill("1990")
    palette.get_by_role("button", name="Add condition on First name").click()
    page.get_by_label("Operator for First name").select_option("starts_with")
    page.get_by_label("First name value").fill("J")
    nested.get_by_role("button", name="Not").click()
    expected_rule = {
        "all": [
            {"field": "city", "op": "in", "value": ["Seattle", "Atlanta"]},
            {
                "not": {
                    "any": [
                        {"field": "birth_year", "op": "between", "value": [1980, 1990]},
                        {"field": "first_name", "op": "starts_with", "value": "J"},
                    ]
                }
            },
        ]
    }
    assert current_rule(page) == expected_rule
    # Seattle/Atlanta, minus those born 1980–1990 or named J…: Chloé 1999, Grace (no year)
    expected = (
        Profile.objects.filter(city__in=["Seattle", "Atlanta"])
        .exclude(birth_year__gte=1980, birth_year__lte=1990)
        .exclude(first_name__istartswith="J")
        .count()
    )
    assert expected == 2
    page.wait_for_function(
        "n => document.querySelector('[data-testid=audience-count]')?.dataset.count === String(n)",
        arg=expected,
    )
    assert not page.locator(".rb-error:visible").count()
    screenshot(page, "audience-builder-nested")

    # removing a condition updates the rule and the count
    page.get_by_role("button", name="Remove condition First name").click()
    assert current_rule(page)["all"][1] == {
        "not": {"any": [{"field": "birth_year", "op": "between", "value": [1980, 1990]}]}
    }
    page.get_by_role("textbox", name="Name", exact=True).fill("Not the eighties")
    page.get_by_test_id("save-audience").click()
    page.wait_for_url("**/audiences/")
    saved = Audience.objects.get(name="Not the eighties")

    # the edit page rebuilds the same tree from the saved rule
    page.goto(f"/audiences/{saved.pk}/")
    assert page.locator(".rb-nested-group.rb-negated").count() == 1
    assert page.locator(".rb-chip").all_inner_texts() == ["Seattle\n×", "Atlanta\n×"] or [
        t.split("\n")[0] for t in page.locator(".rb-chip").all_inner_texts()
    ] == ["Seattle", "Atlanta"]
    assert current_rule(page) == saved.rule


def test_server_refusal_on_save_is_shown_at_the_condition(page, profiles):
    Audience.objects.create(
        name="Taken", rule={"all": [{"field": "city", "op": "eq", "value": "Paris"}]}
    )
    page.goto("/audiences/new/")
    page.get_by_role("textbox", name="Name", exact=True).fill("Taken")
    page.locator(".rb-palette").get_by_role("button", name="Add condition on Birth year").click()
    page.get_by_label("Operator for Birth year").select_option("gt")
    page.get_by_test_id("save-audience").click()  # no value typed, and the name exists
    page.locator(".alert-error").wait_for()
    assert "already exists" in page.locator("#id_name_error").inner_text()
    condition_error = page.locator(".rb-condition", has_text="Birth year").locator(".rb-error")
    assert "Value: required" in condition_error.inner_text()
    screenshot(page, "audience-builder-refused")
    assert Audience.objects.count() == 1


def test_conditions_move_between_groups_by_dragging_their_handle(page, profiles):
    page.goto("/audiences/new/")
    palette = page.locator(".rb-palette")
    palette.get_by_role("button", name="Add condition on City").click()
    add_city_value(page, "Paris")
    palette.get_by_role("button", name="Add condition on Test profile").click()
    page.locator(".rb-root > .rb-group-head").get_by_role("button", name="+ Group").click()
    handle = page.locator(".rb-condition", has_text="Test profile").locator(".rb-handle")
    handle.drag_to(page.locator(".rb-nested-group > .rb-drop"))
    assert current_rule(page) == {
        "all": [
            {"field": "city", "op": "in", "value": ["Paris"]},
            {"any": [{"field": "is_test", "op": "eq", "value": True}]},
        ]
    }
    page.get_by_role("switch", name="Test profile value").click()
    assert current_rule(page)["all"][1] == {
        "any": [{"field": "is_test", "op": "eq", "value": False}]
    }
    page.wait_for_function(
        "() => document.querySelector('[data-testid=audience-count]')?.dataset.count === '1'"
    )
