"""The event pages, server side: list, create/edit (with the live-journey restriction), the
HTMX fragments, the explorer, and the admin."""

from __future__ import annotations

import json

import pytest

from events.models import EventConfiguration
from events.services import events_ingest
from events.usage import Usage, register_usage_provider, unregister_usage_provider

from .conftest import purchase_data

pytestmark = pytest.mark.django_db


def form(data=None, **changes):
    data = (data or purchase_data()) | changes
    return {
        "name": data["name"],
        "description": data.get("description", ""),
        "type": data["type"],
        "id_type": data["id_type"],
        "fields": json.dumps(data["fields"]),
        "condition": json.dumps(data["condition"]) if data.get("condition") is not None else "",
        "namespace": data.get("namespace", ""),
        "profile_id_field": data.get("profile_id_field", ""),
    }


def test_the_list_shows_each_event_and_how_it_is_recognised(logged_client, purchase, stock_alert):
    events_ingest(items=[{"email": "a@example.com", "purchaseMessage": "thank you"}])
    html = logged_client.get("/events/").content.decode()
    assert "purchase" in html and "stock_low" in html
    assert "purchaseMessage is thank you" in html.replace("“", "").replace("”", "")
    assert stock_alert.event_id in html
    assert f'href="/events/log/?configuration={purchase.pk}" class="ev-count">1</a>' in html


def test_creating_an_event_from_the_page(logged_client):
    response = logged_client.post("/events/new/", form())
    config = EventConfiguration.objects.get(name="purchase")
    assert response.status_code == 302 and response["Location"] == f"/events/{config.pk}/"
    assert config.condition == purchase_data()["condition"]
    page = logged_client.get(response["Location"]).content.decode()
    assert "Event “purchase” created." in page
    assert "&quot;purchaseMessage&quot;: &quot;thank you&quot;" in page  # the preview


def test_errors_come_back_on_the_page_and_nothing_is_saved(logged_client):
    fields = purchase_data()["fields"] + [{"path": "bad path", "type": "string", "required": False}]
    data = purchase_data(name="no spaces please", fields=fields)
    data["condition"] = {"all": [{"field": "amount", "op": "gt", "value": "ten"}]}
    response = logged_client.post("/events/new/", form(data))
    assert response.status_code == 400
    html = response.content.decode()
    assert "letters, digits and _ only" in html
    assert "a dotted path of letters" in html  # shown on the row
    assert "condition.all[0].value" in html  # handed to the condition builder
    assert not EventConfiguration.objects.exists()


def test_a_system_generated_business_event_from_the_page(logged_client):
    data = purchase_data(
        name="stock_low", type="business", id_type="system_generated", condition=None
    )
    response = logged_client.post("/events/new/", form(data))
    assert response.status_code == 302
    config = EventConfiguration.objects.get(name="stock_low")
    assert config.event_id and config.namespace == "" and config.condition is None
    assert config.event_id in logged_client.get(response["Location"]).content.decode()


@pytest.fixture
def live(purchase):
    def provider(ids):
        return {purchase.pk: [Usage(label="Welcome journey (v2)", live=True, url="/journeys/1/")]}

    register_usage_provider(provider)
    yield purchase
    unregister_usage_provider(provider)


def test_an_event_used_by_a_live_journey_says_why_it_is_restricted(logged_client, live):
    html = logged_client.get(f"/events/{live.pk}/").content.decode()
    assert "Used by a live journey" in html and "Welcome journey (v2)" in html
    assert 'data-testid="restricted-notice"' in html
    fields = [*live.fields, {"path": "store", "type": "string", "required": False}]
    response = logged_client.post(
        f"/events/{live.pk}/", form(purchase_data(name="order", fields=fields))
    )
    assert response.status_code == 302
    live.refresh_from_db()
    assert live.name == "order" and live.fields[-1]["path"] == "store"
    changed = form(
        purchase_data(condition={"field": "purchaseMessage", "op": "eq", "value": "merci"})
    )
    response = logged_client.post(f"/events/{live.pk}/", changed)
    assert response.status_code == 400
    assert (
        "only the name, the description and new optional fields can change"
        in response.content.decode()
    )
    live.refresh_from_db()
    assert live.condition == purchase_data()["condition"]


def test_the_preview_follows_the_form(logged_client):
    data = purchase_data(id_type="system_generated", condition=None)
    html = logged_client.post(
        "/events/preview/", form(data) | {"event_id": "abc123"}
    ).content.decode()
    assert "&quot;eventID&quot;: &quot;abc123&quot;" in html
    # the identifier picker comes along (out of band), limited to text/integer fields
    assert 'hx-swap-oob="outerHTML:#id_profile_id_field"' in html
    assert '<option value="purchaseId"' in html and '<option value="amount"' not in html


def test_the_preview_sends_condition_errors_to_the_builder(logged_client):
    bad = purchase_data(condition={"all": [{"field": "amount", "op": "gt", "value": "x"}]})
    response = logged_client.post("/events/preview/", form(bad))
    trigger = json.loads(response["HX-Trigger"])["rule-errors"]
    assert trigger["builder"] == "event-condition"
    assert trigger["errors"][0]["field"] == "condition.all[0].value"


def test_the_condition_builder_is_rebuilt_with_the_declared_fields(logged_client):
    data = purchase_data(
        fields=[{"path": "sku", "type": "string", "required": True}], condition=None
    )
    html = logged_client.post("/events/condition/", form(data)).content.decode()
    assert 'data-field="sku"' in html and 'data-field="purchaseMessage"' not in html
    empty = logged_client.post(
        "/events/condition/", form(purchase_data(fields=[], condition=None))
    ).content.decode()
    assert "Declare the payload fields first" in empty


def test_deleting_an_event(logged_client, purchase):
    response = logged_client.post(f"/events/{purchase.pk}/delete/")
    assert response.status_code == 302
    assert not EventConfiguration.objects.exists()


def test_an_event_in_use_is_not_deleted(logged_client, live):
    response = logged_client.post(f"/events/{live.pk}/delete/", follow=True)
    assert "was not deleted" in response.content.decode()
    assert EventConfiguration.objects.filter(pk=live.pk).exists()


def test_the_explorer_filters_by_configuration_status_and_profile(
    logged_client, purchase, stock_alert
):
    events_ingest(
        items=[
            {"_id": "p-1", "email": "ana@example.com", "purchaseMessage": "thank you"},
            {"_id": "p-2", "email": "ben@example.com", "purchaseMessage": "thank you"},
            {"_id": "s-1", "eventID": stock_alert.event_id, "sku": "A"},
            {"_id": "x-1", "hello": "world"},
        ]
    )

    def ids(query=""):
        html = logged_client.get(f"/events/log/{query}").content.decode()
        return sorted(i for i in ("p-1", "p-2", "s-1", "x-1") if f">{i}<" in html)

    assert ids() == ["p-1", "p-2", "s-1", "x-1"]
    assert ids(f"?configuration={stock_alert.pk}") == ["s-1"]
    assert ids("?status=discarded") == ["x-1"]
    from audiences.models import Identity

    ana = Identity.objects.get(value="ana@example.com").profile_id
    assert ids(f"?profile={ana}") == ["p-1"]
    html = logged_client.get("/events/log/?status=discarded").content.decode()
    assert "no_matching_configuration" in html


def test_the_explorer_pages_older_events(logged_client, purchase, monkeypatch):
    from events import views

    monkeypatch.setattr(views, "EXPLORER_PAGE", 2)
    events_ingest(items=[{"_id": f"e{i}", "nope": 1} for i in range(5)])
    first = logged_client.get("/events/log/").content.decode()
    assert ">e4<" in first and ">e2<" not in first and "Older events" in first
    before = first.split("before=")[1].split('"')[0]
    second = logged_client.get(f"/events/log/?before={before}").content.decode()
    assert ">e2<" in second and ">e4<" not in second


@pytest.mark.parametrize("url", ["/events/", "/events/new/", "/events/log/"])
def test_pages_need_a_login(client, url):
    assert client.get(url).status_code == 302


def test_the_admin_validates_with_the_services(admin_client):
    data = form(purchase_data(name="admin_event"))
    data["condition"] = json.dumps({"field": "purchaseMessage", "op": "gt", "value": 3})
    response = admin_client.post("/admin/events/eventconfiguration/add/", data)
    assert response.status_code == 200
    assert (
        "condition.op" in response.content.decode() or "does not apply" in response.content.decode()
    )
    assert not EventConfiguration.objects.exists()
    data["condition"] = json.dumps(purchase_data()["condition"])
    response = admin_client.post("/admin/events/eventconfiguration/add/", data)
    assert response.status_code == 302
    assert EventConfiguration.objects.get().name == "admin_event"
    assert admin_client.get("/admin/events/event/").status_code == 200
