"""The canvas's done-criterion, in real Chromium: build the ENTIRE seed journey from an empty
canvas with the mouse (no API) — read audience, first message (email + push), two reaction
paths made with "+", a one-day timeout with its path and a reminder email, the purchase event
joined by the three paths, a thank-you push — see it valid, publish it, and find the stored
definition shaped like the seed. Plus the two-tab conflict as a marketer meets it."""

from __future__ import annotations

import pytest

from audiences.models import Audience
from journeys.demo import seed_definition
from journeys.models import JourneyVersion, VersionStatus
from journeys.services import journey_create
from tests.conftest import screenshot
from tests.journeys.canvas_helpers import build_seed_journey, saved, show_everything, validate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AUDIENCE = "Atlanta/SF/Seattle, born after 1980"


@pytest.fixture
def seed_audience():
    return Audience.objects.create(
        name=AUDIENCE,
        rule={
            "all": [
                {"field": "city", "op": "in", "value": ["Atlanta", "San Francisco", "Seattle"]},
                {"field": "birth_year", "op": "gt", "value": 1980},
            ]
        },
    )


# --- the seed, built by hand ----------------------------------------------------------------------


def test_build_the_entire_seed_journey_with_the_mouse_and_publish_it(page, seed_audience, user):
    version, _ = journey_create(
        document={"name": "Untitled journey", "nodes": [], "edges": []}, user=user
    )
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"/journeys/{version.journey_id}/")
    page.wait_for_selector(".cv-start")
    screenshot(page, "canvas-build-0-empty")
    build_seed_journey(page, audience=AUDIENCE)

    # Valid: no errors in the alerts panel.
    validate(page)
    screenshot(page, "canvas-build-2-valid")

    # Publish.
    page.click("#canvas-publish-btn")
    page.wait_for_selector("#canvas-status:has-text('Live')")
    page.wait_for_selector("#canvas-new-version-btn")
    screenshot(page, "canvas-build-3-live")

    stored = JourneyVersion.objects.get(pk=version.pk)
    assert stored.status == VersionStatus.LIVE
    assert stored.journey.name == "Multi-channel welcome" and stored.journey.namespace == "email"
    assert _shape(stored.definition) == _shape(seed_definition(seed_audience.pk))
    assert (
        next(n for n in stored.nodes if n["type"] == "read_audience")["config"]["audience"]
        == seed_audience.pk
    )


def _role(node: dict, first_message: str) -> str:
    """What a node is in the seed, whatever its id."""
    config = node.get("config") or {}
    if node["type"] == "message":
        if "email" in config and "push" in config:
            return "first message (email + push)"
        return "reminder email" if "email" in config else "thank-you push"
    if node["type"] == "reaction":
        assert config["action"] == first_message
        return f"{config['channel']} {config['reaction']}" + (
            f" timeout {config['timeout']}" if "timeout" in config else ""
        )
    if node["type"] == "event":
        return f"event {config['event']}"
    return node["type"]


def _shape(definition: dict) -> tuple[list[str], list[tuple[str, str, str]]]:
    first = next(
        n["id"]
        for n in definition["nodes"]
        if n["type"] == "message" and {"email", "push"} <= set(n["config"])
    )
    roles = {n["id"]: _role(n, first) for n in definition["nodes"]}
    edges = sorted(
        (roles[e["from"]], e.get("port", "default"), roles[e["to"]]) for e in definition["edges"]
    )
    return sorted(roles.values()), edges


# --- two tabs -------------------------------------------------------------------------------------


def test_two_tabs_editing_one_draft_the_second_save_is_refused_and_nothing_is_lost(
    page, seed_audience, user
):
    version, _ = journey_create(document=seed_definition(seed_audience.pk), user=user)
    other = page.context.new_page()
    for tab in (page, other):
        tab.goto(f"/journeys/{version.journey_id}/")
        tab.click("#node-thanks")
        tab.wait_for_selector(".cv-panel-inner[data-selected-node=thanks]")
        tab.click(".cv-tab[data-tab=push]")
    saved(
        page,
        lambda: (
            page.fill("#f-push\\.title", "From tab one"),
            page.press("#f-push\\.title", "Tab"),
        ),
    )

    with other.expect_response(lambda r: "/save/" in r.url) as info:
        other.fill("#f-push\\.title", "From tab two")
        other.press("#f-push\\.title", "Tab")
    assert info.value.status == 409
    other.wait_for_selector("#canvas-conflict .cv-conflict-box")
    assert "changed in another tab" in other.inner_text("#canvas-conflict")
    assert other.input_value("#f-push\\.title") == "From tab two"  # what was typed is still there
    screenshot(other, "canvas-conflict")
    thanks = next(n for n in JourneyVersion.objects.get(pk=version.pk).nodes if n["id"] == "thanks")
    assert thanks["config"]["push"]["title"] == "From tab one"

    other.click("#canvas-reload")
    other.wait_for_selector("#node-thanks")
    other.click("#node-thanks")
    other.click(".cv-tab[data-tab=push]")
    assert other.input_value("#f-push\\.title") == "From tab one"


def test_click_a_slot_to_pick_an_activity_and_delete_a_connection_on_the_canvas(
    page, seed_audience, user
):
    version, _ = journey_create(document=seed_definition(seed_audience.pk), user=user)
    page.goto(f"/journeys/{version.journey_id}/")
    page.click("[data-zoom=fit]")
    # Click the open slot after "thanks": a menu of activities; pick Wait.
    page.click(".cv-slot[data-after=thanks]")
    page.wait_for_selector("#canvas-quick-add:not([hidden])")
    screenshot(page, "canvas-quick-add")
    page.click("#canvas-quick-add [data-quick-type=wait]")
    page.wait_for_selector(".cv-panel-inner[data-selected-node=wait]")
    assert ("thanks", "wait") in {
        (e["from"], e["to"]) for e in JourneyVersion.objects.get(pk=version.pk).edges
    }

    # Hover the reminder → purchase connection and delete it with its × button.
    show_everything(page)
    point = page.evaluate("""() => {
        const path = document.querySelector('.cv-edge[data-from=reminder][data-to=purchase] .cv-edge-hit');
        const p = path.getPointAtLength(path.getTotalLength() * 0.6).matrixTransform(path.getScreenCTM());
        return {x: p.x, y: p.y};
    }""")  # a point on the line itself
    page.mouse.move(point["x"], point["y"])
    page.wait_for_selector(".cv-edge.is-hover[data-from=reminder][data-to=purchase]")
    edge_index = page.get_attribute(".cv-edge[data-from=reminder][data-to=purchase]", "data-edge")
    delete = page.locator(f'.cv-edge-mid[data-edge="{edge_index}"] .cv-edge-delete')
    delete.wait_for(state="visible")
    with page.expect_response(lambda r: "/edges/disconnect/" in r.url):
        delete.click()
    page.wait_for_selector(".cv-edge[data-from=reminder][data-to=purchase]", state="detached")
    edges = {(e["from"], e["to"]) for e in JourneyVersion.objects.get(pk=version.pk).edges}
    assert ("reminder", "purchase") not in edges and ("push_opened", "purchase") in edges
