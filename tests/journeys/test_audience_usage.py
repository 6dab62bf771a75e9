"""An audience a journey reads cannot be deleted: the API, the audience page and the admin
refuse, naming the journeys, and nothing is deleted. An audience nobody uses still goes."""

from __future__ import annotations

import pytest

from audiences.models import Audience
from journeys import services
from journeys.demo import SEED_JOURNEY_NAME

from .factories import doc, make_event_configuration, node, seed_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def unused(db):
    return Audience.objects.create(
        name="Nobody's audience", rule={"field": "city", "op": "eq", "value": "Paris"}
    )


def test_the_api_refuses_to_delete_an_audience_a_draft_journey_reads(audience, api_client):
    services.journey_create(document=seed_document(audience.pk))

    response = api_client.delete(f"/api/v1/audiences/{audience.pk}/")

    assert response.status_code == 400
    message = response.json()["errors"][0]["message"]
    assert f"Journey “{SEED_JOURNEY_NAME}” (v1, draft)" in message
    assert Audience.objects.filter(pk=audience.pk).exists()


def test_a_journey_that_read_the_audience_keeps_holding_it_once_stopped(
    audience, api_client, publisher
):
    """A stopped version's reads stay in its report, so the audience stays too."""
    version, _ = services.journey_create(document=seed_document(audience.pk))
    services.journey_publish(journey=version.journey, user=publisher)

    live = api_client.delete(f"/api/v1/audiences/{audience.pk}/")
    assert live.status_code == 400
    assert "(v1, live)" in live.json()["errors"][0]["message"]

    services.journey_stop(journey=version.journey, user=publisher)
    stopped = api_client.delete(f"/api/v1/audiences/{audience.pk}/")
    assert stopped.status_code == 400
    assert "(v1, stopped)" in stopped.json()["errors"][0]["message"]
    assert Audience.objects.filter(pk=audience.pk).exists()


@pytest.mark.parametrize(
    "entry",
    [
        {"type": "audience_qualification", "audience": "by id", "behavior": "enter"},
        {"type": "audience_qualification", "audience": "by name", "behavior": "exit"},
        {"type": "business_event", "event": "stock_low", "audience": "by name"},
    ],
    ids=["qualification-by-id", "qualification-by-name", "business-event-by-name"],
)
def test_every_node_naming_the_audience_counts(audience, api_client, entry):
    make_event_configuration("stock_low", type="business")
    config = {key: value for key, value in entry.items() if key != "type"}
    config["audience"] = audience.pk if config["audience"] == "by id" else audience.name
    services.journey_create(
        document=doc([node("start", entry["type"], **config)], name="Restock alert")
    )

    response = api_client.delete(f"/api/v1/audiences/{audience.pk}/")

    assert response.status_code == 400
    assert "Restock alert" in response.json()["errors"][0]["message"]
    assert Audience.objects.filter(pk=audience.pk).exists()


def test_an_audience_no_journey_reads_is_deleted(audience, unused, api_client):
    services.journey_create(document=seed_document(audience.pk))

    assert api_client.delete(f"/api/v1/audiences/{unused.pk}/").status_code == 204
    assert not Audience.objects.filter(pk=unused.pk).exists()


def test_the_audience_page_names_the_journeys_and_refuses_to_delete(audience, logged_client):
    version, _ = services.journey_create(document=seed_document(audience.pk))

    page = logged_client.get(f"/audiences/{audience.pk}/").content.decode()
    assert "Used by:" in page and SEED_JOURNEY_NAME in page
    assert f'href="/journeys/{version.journey_id}/"' in page
    assert "Delete audience" not in page

    response = logged_client.post(f"/audiences/{audience.pk}/delete/", follow=True)
    assert response.redirect_chain[-1][0] == f"/audiences/{audience.pk}/"
    text = response.content.decode()
    assert "was not deleted" in text and SEED_JOURNEY_NAME in text
    assert Audience.objects.filter(pk=audience.pk).exists()


def test_the_audience_page_of_an_unused_audience_still_deletes_it(unused, logged_client):
    page = logged_client.get(f"/audiences/{unused.pk}/").content.decode()
    assert "Used by:" not in page and "Delete audience" in page

    response = logged_client.post(f"/audiences/{unused.pk}/delete/")
    assert response.status_code == 302
    assert not Audience.objects.filter(pk=unused.pk).exists()


def test_the_admin_refuses_to_delete_a_used_audience_with_a_message(audience, logged_client):
    services.journey_create(document=seed_document(audience.pk))
    delete_url = f"/admin/audiences/audience/{audience.pk}/delete/"

    shown = logged_client.get(delete_url, follow=True)
    confirmed = logged_client.post(delete_url, {"post": "yes"}, follow=True)

    for response in (shown, confirmed):
        assert response.redirect_chain[-1][0] == f"/admin/audiences/audience/{audience.pk}/change/"
        text = response.content.decode()
        assert "was not deleted" in text and SEED_JOURNEY_NAME in text
    assert Audience.objects.filter(pk=audience.pk).exists()


def test_the_admin_bulk_delete_refuses_when_one_audience_is_used(audience, unused, logged_client):
    services.journey_create(document=seed_document(audience.pk))

    response = logged_client.post(
        "/admin/audiences/audience/",
        {"action": "delete_selected", "_selected_action": [audience.pk, unused.pk], "post": "yes"},
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "Cannot delete" in text and SEED_JOURNEY_NAME in text
    assert Audience.objects.count() == 2


def test_the_admin_still_deletes_an_unused_audience(audience, unused, logged_client):
    services.journey_create(document=seed_document(audience.pk))

    response = logged_client.post(f"/admin/audiences/audience/{unused.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert list(Audience.objects.all()) == [audience]
