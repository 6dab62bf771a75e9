"""Screenshots of the canvas (seed journey, 50 activities, empty, read-only) in real Chromium,
to look at; each also checks what a marketer sees on it."""

import pytest

from audiences.models import Audience
from benchmarks.canvas_data import fifty_activity_document
from journeys.demo import seed_definition
from journeys.services import journey_create
from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seed_audience(db):
    return Audience.objects.create(
        name="Atlanta/SF/Seattle millennials",
        rule={
            "all": [
                {"field": "city", "op": "in", "value": ["Atlanta", "San Francisco", "Seattle"]},
                {"field": "birth_year", "op": "gt", "value": 1980},
            ]
        },
    )


def test_seed_journey_canvas(page, seed_audience):
    version, _ = journey_create(document=seed_definition(seed_audience.pk))
    page.goto(f"/journeys/{version.journey_id}/")
    page.wait_for_selector(".cv-node")
    assert page.locator(".cv-node").count() == 7
    screenshot(page, "canvas-seed")
    page.click("#node-email_opened")
    page.wait_for_selector(".cv-panel-inner[data-selected-node=email_opened]")
    screenshot(page, "canvas-seed-reaction-panel")
    page.click("#node-first")
    page.wait_for_selector(".cv-panel-inner[data-selected-node=first]")
    screenshot(page, "canvas-seed-message-panel")


def test_fifty_activity_canvas(page, seed_audience):
    version, _ = journey_create(document=fifty_activity_document(seed_audience.pk))
    page.goto(f"/journeys/{version.journey_id}/")
    page.wait_for_selector(".cv-node")
    assert page.locator(".cv-node").count() == 50
    screenshot(page, "canvas-fifty")
    page.click("[data-zoom=fit]")  # the whole journey, whatever the zoom
    screenshot(page, "canvas-fifty-all")


def test_condition_panel_with_the_rule_builder(page, seed_audience):
    version, _ = journey_create(document=fifty_activity_document(seed_audience.pk))
    page.goto(f"/journeys/{version.journey_id}/")
    page.click("#node-c0")
    page.wait_for_selector("#rule-c0-0 .rb-workspace")
    screenshot(page, "canvas-condition-panel")


def test_properties_panel_and_alerts_with_errors(page, seed_audience):
    document = seed_definition(seed_audience.pk)
    document["nodes"][4]["config"]["email"]["subject"] = ""  # the reminder lacks a subject
    document["nodes"][6]["config"]["push"]["body"] = (
        "Thanks {{ profile.first_name"  # broken template
    )
    version, _ = journey_create(document=document)
    page.goto(f"/journeys/{version.journey_id}/")
    page.click("#canvas-validate-btn")
    page.wait_for_selector(".cv-alerts.is-open .cv-alert.is-error")
    assert page.locator(".cv-node-alert.is-error").count() == 2
    assert page.is_disabled("#canvas-publish-btn")
    page.click(".cv-alert.is-error[data-node=thanks] button")
    page.wait_for_selector(".cv-panel-inner[data-selected-node=thanks]")
    screenshot(page, "canvas-errors")
    page.click("#canvas-properties-btn")
    page.wait_for_selector("#properties-form")
    screenshot(page, "canvas-properties")
