"""The journey list page: what a marketer sees and clicks."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from journeys import services
from journeys.models import Journey
from tests.conftest import screenshot

from .factories import doc, make_event_configuration, node, seed_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def journeys(audience, user):
    """A draft seed journey, a live one (v2), and an event journey that was stopped."""
    seed, _ = services.journey_create(document=seed_document(audience.pk), user=user)
    live, _ = services.journey_create(
        document=seed_document(audience.pk)
        | {"name": "Spring promotion", "description": "Seasonal offer to the West Coast audience."},
        user=user,
    )
    services.journey_publish(journey=live.journey, user=user)
    services.journey_new_version(journey=live.journey, user=user)
    services.journey_publish(journey=live.journey, user=user)
    services.journey_new_version(journey=live.journey, user=user)  # v3 drafted while v2 is live
    make_event_configuration("signup")
    event_doc = doc(
        [
            node("signup", "unitary_event", event="signup"),
            node("hello", "message", email={"subject": "Welcome", "text": "Hi"}),
        ],
        [{"from": "signup", "to": "hello"}],
        name="Welcome new sign-ups",
    )
    stopped, _ = services.journey_create(document=event_doc, user=user)
    services.journey_publish(journey=stopped.journey, user=user)
    services.journey_stop(journey=stopped.journey, user=user)
    return seed.journey, live.journey, stopped.journey


def test_list_shows_name_status_version_entry(logged_client, journeys):
    html = logged_client.get("/journeys/").content.decode()
    assert (
        "Multi-channel welcome" in html
        and "Spring promotion" in html
        and "Welcome new sign-ups" in html
    )
    assert "badge badge-draft" in html and "badge badge-stopped" in html
    assert "v3" in html and "v2 live" in html and "by marketer" in html
    assert "Read audience" in html and "Unitary event" in html


def test_search_and_status_filter(logged_client, journeys):
    html = logged_client.get("/journeys/?q=spring").content.decode()
    assert "Spring promotion" in html and "Multi-channel welcome" not in html
    html = logged_client.get("/journeys/?status=stopped").content.decode()
    assert "Welcome new sign-ups" in html and "Spring promotion" not in html
    html = logged_client.get("/journeys/?q=nothing-like-this").content.decode()
    assert "No journey matches" in html


def test_htmx_search_returns_only_the_table(logged_client, journeys):
    response = logged_client.get("/journeys/?q=welcome", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and "Welcome new sign-ups" in html and "Spring promotion" not in html


def test_new_journey_creates_an_empty_draft_and_opens_the_canvas(logged_client):
    response = logged_client.post("/journeys/new/")
    journey = Journey.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/journeys/{journey.pk}/"
    assert journey.name == "Untitled journey" and journey.versions.get().status == "draft"
    assert logged_client.get(response["Location"]).status_code == 200


def test_duplicate(logged_client, journeys):
    _, live, _ = journeys
    response = logged_client.post(f"/journeys/{live.pk}/duplicate/")
    copy = Journey.objects.get(name="Spring promotion (copy)")
    assert response["Location"] == f"/journeys/{copy.pk}/"
    assert copy.versions.get().status == "draft"


def test_list_needs_a_login(client):
    assert client.get("/journeys/").status_code == 302


def test_empty_list_invites_to_create(logged_client):
    assert "Create your first journey" in logged_client.get("/journeys/").content.decode()


def test_admin_shows_the_definition_readably(logged_client, journeys):
    seed, _, _ = journeys
    version = seed.versions.get()
    html = logged_client.get(
        f"/admin/journeys/journeyversion/{version.pk}/change/"
    ).content.decode()
    assert "email_opened" in html and "&quot;timeout&quot;: &quot;P1D&quot;" in html
    assert "Reaction" in html  # the node list names activity types
    assert logged_client.get(f"/admin/journeys/journey/{seed.pk}/change/").status_code == 200
    assert logged_client.get("/admin/journeys/journey/").status_code == 200
    # a published journey cannot be deleted from the admin; a draft can
    _, live, _ = journeys
    assert logged_client.get(f"/admin/journeys/journey/{live.pk}/delete/").status_code == 403
    assert logged_client.get(f"/admin/journeys/journey/{seed.pk}/delete/").status_code == 200


def test_publish_permission_exists():
    assert Permission.objects.filter(
        codename="publish_journey", content_type__app_label="journeys"
    ).exists()


@pytest.mark.browser
def test_list_page_in_chromium(page, journeys, live_server):
    page.goto("/journeys/")
    page.wait_for_selector("text=Spring promotion")
    screenshot(page, "journeys-list")
    page.fill("input[name=q]", "welcome")
    page.wait_for_function("!document.body.innerText.includes('Spring promotion')")
    assert page.locator("tbody tr").count() == 2
    page.fill("input[name=q]", "")
    page.click(".jl-chip >> text=Stopped")
    page.wait_for_function("document.querySelectorAll('tbody tr').length === 1")
    assert "status=stopped" in page.url
    page.click("text=All")
    page.wait_for_function("document.querySelectorAll('tbody tr').length === 3")
    seed_version = journeys[0].versions.get()
    page.goto(f"/admin/journeys/journeyversion/{seed_version.pk}/change/")
    page.wait_for_selector("text=email_opened")
    screenshot(page, "journeys-admin-version")
    page.goto("/journeys/")
    page.click("[data-testid=new-journey]")
    page.wait_for_selector("text=Untitled journey")
    screenshot(page, "journeys-new-canvas")
