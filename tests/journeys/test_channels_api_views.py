"""The message list API (contract: GET /api/v1/messages/?profile=), the message log page and a
message's detail page, as an integrator and a marketer see them."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from journeys.channels import message_request
from journeys.channels.delivery import deliver_batch
from journeys.models import Message, Reaction
from tests.conftest import screenshot

EMAIL = {
    "subject": "Welcome {{ profile.first_name }}",
    "html": "<h1>Hello {{ profile.first_name }}</h1><p>Glad you're here.</p>",
}


@pytest.fixture
def history(smtp_server, make_profile):
    """Ana got an email (opened twice) and a push (excluded: no consent); Bo got an email."""
    ana = make_profile(first_name="Ana", email="ana@example.com", consent_push=False)
    bo = make_profile(first_name="Bo")
    email = message_request(
        key="run:1:first:email",
        channel="email",
        profile_id=ana.pk,
        content=EMAIL,
        run_id=1,
        node_id="first",
        journey_version_id=3,
    )
    message_request(
        key="run:1:first:push",
        channel="push",
        profile_id=ana.pk,
        content={"title": "Hi", "body": "Hello"},
        run_id=1,
        node_id="first",
        journey_version_id=3,
    )
    message_request(
        key="run:2:first:email",
        channel="email",
        profile_id=bo.pk,
        content=EMAIL,
        run_id=2,
        node_id="first",
        journey_version_id=3,
    )
    deliver_batch("email")
    deliver_batch("push")
    now = timezone.now()
    Reaction.objects.create(
        message_id=email.message_id, kind="opened", count=2, first_at=now, last_at=now
    )
    return ana, bo


@pytest.mark.django_db
def test_api_lists_a_profiles_messages_with_status_and_reactions(api_client, history):
    ana, _ = history
    response = api_client.get(f"/api/v1/messages/?profile={ana.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    by_channel = {item["channel"]: item for item in body["results"]}
    assert by_channel["email"]["status"] == "sent"
    assert by_channel["email"]["summary"] == "Welcome {{ profile.first_name }}"
    assert [(r["kind"], r["count"]) for r in by_channel["email"]["reactions"]] == [("opened", 2)]
    assert (
        by_channel["email"]["node_id"] == "first" and by_channel["email"]["journey_version_id"] == 3
    )
    assert (
        by_channel["push"]["status"] == "excluded"
        and by_channel["push"]["reason"] == "no push consent"
    )
    assert by_channel["push"]["reactions"] == []

    only_sent = api_client.get(f"/api/v1/messages/?profile={ana.pk}&status=sent").json()
    assert [item["channel"] for item in only_sent["results"]] == ["email"]


@pytest.mark.django_db
def test_api_refuses_bad_filters_naming_them_and_strangers(api_client, history):
    response = api_client.get("/api/v1/messages/?profile=abc&channel=fax")
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"profile", "channel"}
    assert APIClient().get("/api/v1/messages/").status_code in (401, 403)


@pytest.mark.django_db
def test_message_log_page_filters_by_profile_email_and_status(logged_client, history):
    page = logged_client.get("/messages/")
    assert page.status_code == 200
    content = page.content.decode()
    assert content.count('class="ch-summary"') == 3  # one row per message
    assert "Welcome {{ profile.first_name }}" in content and "no push consent" in content

    filtered = logged_client.get(
        "/messages/?q=ana@example.com&status=excluded", HTTP_HX_REQUEST="true"
    )
    html = filtered.content.decode()
    assert "<html" not in html  # an HTMX fragment
    assert "no push consent" in html and "Welcome" not in html


@pytest.mark.django_db
def test_message_pages_need_a_login(client, history):
    response = client.get("/messages/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_message_detail_shows_delivery_reactions_and_the_rendered_content(logged_client, history):
    ana, _ = history
    message = Message.objects.get(profile=ana, channel="email")
    page = logged_client.get(f"/messages/{message.pk}/")
    content = page.content.decode()
    assert page.status_code == 200
    assert "<h1>Welcome Ana</h1>" in content and "Subject:</strong> Welcome Ana" in content
    assert (
        "Hello Ana" in content
        and message.provider_id.replace("<", "&lt;").replace(">", "&gt;") in content
    )
    assert "2 times" in content


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_message_log_in_the_browser(page, live_server, history):
    page.goto("/messages/")
    assert page.locator("table.ch-table tbody tr").count() == 3
    screenshot(page, "channels-message-log")
    page.select_option("#f-status", "excluded")
    page.wait_for_function("document.querySelectorAll('table.ch-table tbody tr').length === 1")
    assert "status=excluded" in page.url
    page.click("text=Hi")
    page.wait_for_url("**/messages/*/")
    email = Message.objects.get(channel="email", profile=history[0])
    page.goto(f"/messages/{email.pk}/")
    screenshot(page, "channels-message-detail")
    assert page.frame_locator("iframe.ch-email-frame").locator("h1").inner_text() == "Hello Ana"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_unsubscribe_page_in_the_browser_without_login(browser, live_server, history, smtp_server):
    unsubscribe = smtp_server.messages[0].header("List-Unsubscribe").strip().strip("<>")
    path = unsubscribe.split("://", 1)[1].split("/", 1)[1]
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto(f"/{path}")
    screenshot(page, "channels-unsubscribe")
    page.click("text=Unsubscribe >> nth=-1")
    page.wait_for_selector("text=You are unsubscribed")
    screenshot(page, "channels-unsubscribed")
    context.close()
    assert (
        history[0].unsubscribes.filter(channel="email").exists() or history[1].unsubscribes.exists()
    )
