"""The event pages in real Chromium: a marketer creates the seed's purchase event (fields,
condition, namespace, identifier), sees the payload preview, and finds events in the explorer."""

from __future__ import annotations

import json

import pytest

from events.models import EventConfiguration
from events.services import events_ingest
from tests.conftest import screenshot

from .conftest import purchase_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_FIELDS = [
    ("purchaseMessage", "string", False),
    ("product", "string", False),
    ("purchaseDate", "datetime", False),
    ("purchaseId", "string", False),
    ("amount", "number", False),
]


def preview(page) -> dict:
    return json.loads(page.get_by_test_id("payload-preview").inner_text())


def add_field(page, path, type_):
    page.get_by_test_id("add-field").click()
    row = page.locator("[data-field-row]").last
    row.get_by_label("Field path").fill(path)
    row.get_by_label("Field type").select_option(type_)


def copy_payload(page):
    """Press Copy once the preview has settled (a refresh replaces the button)."""
    settled = "!document.querySelector('#ev-preview').classList.contains('htmx-request')"
    for _ in range(3):
        page.wait_for_function(settled)
        page.get_by_test_id("copy-payload").click()
        try:
            page.get_by_test_id("copy-payload").filter(has_text="Copied").wait_for(timeout=3000)
            return
        except Exception:  # the preview was refreshed under the click: press again
            continue
    raise AssertionError("the Copy button never confirmed the copy")


def test_marketer_creates_the_purchase_event_and_sees_its_payload(page):
    page.goto("/events/")
    page.get_by_role("link", name="+ Create event").click()
    page.get_by_role("textbox", name="Name", exact=True).fill("purchase")
    page.get_by_role("textbox", name="Description").fill("A customer completed a purchase")
    # the first field is there already: the email, required, that identifies the person
    first = page.locator("[data-field-row]").first
    assert first.get_by_label("Field path").input_value() == "email"
    assert first.get_by_label("Required").is_checked()
    for path, type_, _ in NEW_FIELDS:
        add_field(page, path, type_)

    # the condition builder's palette is the declared fields
    palette = page.locator(".rb-palette")
    palette.get_by_role("button", name="Add condition on purchaseMessage").click()
    page.get_by_label("Operator for purchaseMessage").select_option("eq")
    page.get_by_label("purchaseMessage value").fill("thank you")

    # the identifier picker offers the text fields declared
    page.get_by_label("Namespace").select_option("email")
    identifier = page.get_by_label("Profile identifier field")
    options = identifier.locator("option").all_inner_texts()
    assert "purchaseId" in options and "amount" not in options
    identifier.select_option("email")

    # the preview shows what an integrator sends, meeting the condition
    page.wait_for_function(
        "document.querySelector('[data-testid=payload-preview]').textContent.includes('thank you')"
    )
    shown = preview(page)
    assert shown["purchaseMessage"] == "thank you"
    assert shown["email"] == "ana@example.com"
    assert shown["amount"] == 49.9 and shown["purchaseDate"].startswith("2026-")
    assert "_id" in shown and "timestamp" not in shown  # a copied example happens now
    copy_payload(page)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "events-new-purchase")

    page.get_by_test_id("save-event").click()
    page.get_by_text("Event “purchase” created.").wait_for()
    config = EventConfiguration.objects.get(name="purchase")
    assert config.condition == {
        "all": [{"field": "purchaseMessage", "op": "eq", "value": "thank you"}]
    }
    assert (config.type, config.id_type, config.namespace, config.profile_id_field) == (
        "unitary",
        "rule_based",
        "email",
        "email",
    )
    assert [(f["path"], f["type"], f["required"]) for f in config.fields] == [
        ("email", "string", True),
        *NEW_FIELDS,
    ]
    # the payload an integrator copies from the preview is accepted as a purchase
    [result] = events_ingest(items=[preview(page)])
    assert (result.status, result.matched) == ("accepted", ["purchase"])

    page.goto("/events/")
    row = page.locator("tr", has_text="purchase")
    assert "purchaseMessage is thank you" in row.inner_text().replace("“", "").replace("”", "")
    screenshot(page, "events-list")


def test_errors_are_shown_where_they_are(page):
    page.goto("/events/new/")
    page.get_by_role("textbox", name="Name", exact=True).fill("bad name!")
    add_field(page, "amount", "number")
    page.locator("[data-field-row]").first.get_by_label("Field path").fill("")
    page.get_by_test_id("save-event").click()
    page.get_by_role("alert").filter(has_text="was not saved").wait_for()
    assert "letters, digits and _" in page.locator("#id_name_error").inner_text()
    assert "condition" in page.locator(".ev-condition").inner_text().lower()
    screenshot(page, "events-new-errors")
    assert not EventConfiguration.objects.exists()


def test_the_explorer_shows_outcomes_and_filters(page):
    from events.services import event_configuration_create

    event_configuration_create(data=purchase_data())
    events_ingest(
        items=[
            {
                "_id": "order-1",
                "email": "ana@example.com",
                "purchaseMessage": "thank you",
                "product": "Shoes",
                "amount": 89.9,
            },
            {
                "_id": "order-2",
                "email": "ben@example.com",
                "purchaseMessage": "thank you",
                "amount": "a lot",
            },
            {"_id": "order-3", "email": "ana@example.com", "purchaseMessage": "hello"},
        ]
    )
    page.goto("/events/log/")
    log = page.get_by_test_id("event-log")
    assert log.locator("tbody tr").count() == 3
    assert "invalid_type:amount" in log.inner_text()
    assert "no_matching_configuration" in log.inner_text()
    screenshot(page, "events-explorer")
    page.get_by_label("Status").select_option("accepted")
    page.wait_for_url("**status=accepted**")
    assert page.get_by_test_id("event-log").locator("tbody tr").count() == 1
    assert "order-1" in page.get_by_test_id("event-log").inner_text()


def test_an_event_used_by_a_live_journey_explains_what_can_change(page):
    from events.services import event_configuration_create
    from events.usage import Usage, register_usage_provider, unregister_usage_provider

    config = event_configuration_create(data=purchase_data())

    def provider(ids):
        return {config.pk: [Usage(label="Multi-channel welcome (live, v2)", live=True)]}

    register_usage_provider(provider)
    try:
        page.goto(f"/events/{config.pk}/")
        notice = page.get_by_test_id("restricted-notice")
        assert "Multi-channel welcome" in notice.inner_text()
        assert page.locator("input[name=type][value=business]").is_disabled()
        assert (
            page.locator("[data-field-row]")
            .first.get_by_label("Field path")
            .get_attribute("readonly")
            is not None
        )
        add_field(page, "store", "string")
        page.get_by_role("textbox", name="Description").fill("Checkout thank-you page")
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, "events-edit-restricted")
        page.get_by_test_id("save-event").click()
        page.get_by_text("Event “purchase” saved.").wait_for()
    finally:
        unregister_usage_provider(provider)
    config.refresh_from_db()
    assert config.fields[-1] == {"path": "store", "type": "string", "required": False}
    assert config.description == "Checkout thank-you page"
    assert config.condition == purchase_data()["condition"]
