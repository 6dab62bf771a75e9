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
