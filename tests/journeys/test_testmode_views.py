"""Test mode and the live report on the canvas (HTMX views), and the report page: what a
marketer sees and what each action records."""

from __future__ import annotations

import json
import re

import pytest

from events.models import Event
from journeys.demo import seed_definition
from journeys.models import JourneyVersion, VersionStatus
from journeys.reports.charts import Line, line_chart, nice_max
from journeys.services import journey_create, journey_publish
from journeys.testmode.services import journey_test_start
from tests.journeys.conftest import create_profile

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def version(audience, user):
    version, _ = journey_create(document=seed_definition(audience.pk), user=user)
    return version


@pytest.fixture
def tess():
    return create_profile(
        city="Atlanta",
        is_test=True,
        first_name="Tess",
        last_name="Tester",
        email="tess@example.com",
    )


def _in_test(version, user):
    journey_test_start(journey=version.journey, user=user)
    version.refresh_from_db()
    return version


def test_the_toggle_switches_a_valid_draft_to_test_mode_and_reloads_the_canvas(
    logged_client, version
):
    page = logged_client.get(f"/journeys/{version.journey_id}/").content.decode()
    assert 'id="canvas-test-toggle"' in page and 'aria-checked="false"' in page
    response = logged_client.post(
        f"/journeys/canvas/{version.pk}/test/toggle/",
        {"enabled": "1", "wait_seconds": "10"},
        **HTMX,
    )
    assert response.status_code == 200 and response["HX-Redirect"].endswith("?version=1")
    assert JourneyVersion.objects.get(pk=version.pk).status == VersionStatus.TEST

    page = logged_client.get(f"/journeys/{version.journey_id}/").content.decode()
    assert "Test · 10 s" in page and 'id="tm-dock"' in page
    assert "Other journeys listening to the same events still receive the test events" in page
    assert "Enter test profiles" in page and "Trigger an event" in page


def test_an_invalid_draft_opens_the_alerts_instead(logged_client, audience, user):
    document = seed_definition(audience.pk)
    document["nodes"][5]["config"] = {}
    version, _ = journey_create(document=document, user=user)
    response = logged_client.post(
        f"/journeys/canvas/{version.pk}/test/toggle/", {"enabled": "1"}, **HTMX
    )
    assert response.status_code == 422 and response["HX-Retarget"] == "#canvas-alerts"
    assert "is-open" in response.content.decode()
    assert JourneyVersion.objects.get(pk=version.pk).status == VersionStatus.DRAFT


def test_entering_from_the_panel_and_the_log_with_its_lit_path(logged_client, version, user, tess):
    version = _in_test(version, user)
    nothing = logged_client.post(f"/journeys/canvas/{version.pk}/test/enter/", {}, **HTMX)
    assert nothing.status_code == 422 and "Tick at least one" in nothing.content.decode()

    response = logged_client.post(
        f"/journeys/canvas/{version.pk}/test/enter/", {"profiles": [tess.pk]}, **HTMX
    )
    assert "1 test profile entered." in response.content.decode()
    assert 'id="tm-live"' in response.content.decode()  # the log follows Tess (out of band)
    assert f'id="tm-log" data-profile="{tess.pk}"' in response.content.decode()

    live = logged_client.get(f"/journeys/canvas/{version.pk}/test/live/?profile={tess.pk}")
    html = live.content.decode()
    flow = json.loads(re.search(r'data-flow="([^"]*)"', html).group(1).replace("&quot;", '"'))
    assert flow["nodes"] == {
        "start": "visited",
        "first": "current",
        "push_opened": "listening",
        "email_opened": "listening",
    }
    assert flow["edges"] == [["start", "first"]]
    assert "Simulate open" not in html  # the messages are not sent yet: nothing to open
    assert "Tess Tester" in html and 'id="tm-run-status">active' in html


def test_the_trigger_form_is_generated_from_the_event_fields(logged_client, version, user, tess):
    version = _in_test(version, user)
    html = logged_client.get(
        f"/journeys/canvas/{version.pk}/test/trigger/?event=purchase&profile={tess.pk}"
    ).content.decode()
    for path in ("email", "purchaseMessage", "product", "purchaseDate", "purchaseId", "amount"):
        assert f'data-path="{path}"' in html
    assert re.search(r'name="f:email" value="tess@example.com"[^>]*readonly', html)
    assert 'name="f:purchaseMessage" value="thank you"' in html  # meets the event-ID condition
    payload = json.loads(
        re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S).group(1).replace("&quot;", '"')
    )
    assert payload["email"] == "tess@example.com" and payload["purchaseMessage"] == "thank you"


def test_triggering_from_the_form_and_from_json_goes_through_ingestion(
    logged_client, version, user, tess
):
    version = _in_test(version, user)
    url = f"/journeys/canvas/{version.pk}/test/trigger/send/"
    form = {
        "event": "purchase",
        "profile": tess.pk,
        "mode": "form",
        "f:email": "tess@example.com",
        "f:purchaseMessage": "thank you",
        "f:product": "Hat",
        "f:amount": "12.5",
    }
    response = logged_client.post(url, form, **HTMX)
    assert "accepted as purchase" in response.content.decode()
    assert Event.objects.get().payload == {
        "email": "tess@example.com",
        "purchaseMessage": "thank you",
        "product": "Hat",
        "amount": 12.5,
    }
    bad_number = logged_client.post(url, form | {"f:amount": "lots"}, **HTMX)
    assert bad_number.status_code == 422 and "amount: a number" in bad_number.content.decode()

    as_json = {"event": "purchase", "profile": tess.pk, "mode": "json"}
    broken = logged_client.post(url, as_json | {"payload_json": "{oops"}, **HTMX)
    assert broken.status_code == 422 and "not valid JSON" in broken.content.decode()
    other = logged_client.post(
        url, as_json | {"payload_json": '{"purchaseMessage": "nope"}'}, **HTMX
    )
    assert other.status_code == 422 and "discarded" in other.content.decode()
    assert Event.objects.count() == 2  # discarded events are kept, with their reason


def test_a_live_version_shows_the_live_report_dock_and_refreshes_it(logged_client, version, user):
    from journeys.engine import entries
    from journeys.engine.plan import plan_for

    journey_publish(journey=version.journey, user=user)
    version.refresh_from_db()
    customers = [create_profile(city="Atlanta") for _ in range(2)]
    entries.enter_profiles(plan=plan_for(version), profile_ids=[p.pk for p in customers])
    page = logged_client.get(f"/journeys/{version.journey_id}/").content.decode()
    assert 'id="rp-dock"' in page and 'id="rp-entered">2<' in page
    assert 'id="canvas-report-link"' in page and 'id="canvas-test-toggle"' not in page
    assert "<b>2</b> in" in page  # the entry node's badge

    entries.enter_profiles(plan=plan_for(version), profile_ids=[create_profile(city="Atlanta").pk])
    fragment = logged_client.get(f"/journeys/canvas/{version.pk}/report/", **HTMX).content.decode()
    assert 'id="rp-entered">3<' in fragment  # refreshed: the newcomer counts
    assert 'id="canvas-graph"' in fragment and "<b>3</b> in" in fragment  # badges follow (oob)


def test_the_report_page_draws_charts_and_the_activity_table(logged_client, version, user):
    from journeys.engine import entries
    from journeys.engine.plan import plan_for

    journey_publish(journey=version.journey, user=user)
    version.refresh_from_db()
    entries.enter_profiles(
        plan=plan_for(version), profile_ids=[create_profile(city="Atlanta").pk for _ in range(3)]
    )
    html = logged_client.get(f"/journeys/{version.journey_id}/report/").content.decode()
    assert html.count('<svg class="chart"') == 2
    assert 'id="rp-page-entered">3<' in html
    assert re.search(r'<tr data-node="first">.*?<td class="num">3</td>', html, re.S)
    assert "<title>Entered: 3" in html
    draft_only, _ = journey_create(
        document=seed_definition(version.nodes[0]["config"]["audience"]), user=user
    )
    assert (
        "Not published yet"
        in logged_client.get(f"/journeys/{draft_only.journey_id}/report/").content.decode()
    )


def test_charts_scale_to_round_numbers_and_escape_labels():
    assert [nice_max(v) for v in (0, 3, 7, 42, 149, 1000, 1001)] == [4, 4, 10, 50, 200, 1000, 2000]
    import datetime as dt

    buckets = [dt.datetime(2026, 1, 1, 10, m, tzinfo=dt.UTC) for m in range(3)]
    svg = line_chart(buckets, [Line("<b>x</b>", [0, 5, 2], "#123456")], unit="minute")
    assert "<b>x</b>" not in svg and "&lt;b&gt;x&lt;/b&gt;: 5 (10:01)" in svg
    assert svg.count("<circle") == 2  # zero points carry no dot
