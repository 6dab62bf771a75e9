"""THE end-to-end test of the seed use case, in real Chromium, against a real Celery worker and
a real beat, a real SMTP server and a real push (FCM-shaped) listener, from the demo data:

build the seed journey on the canvas with the mouse, validate it, switch test mode on (10 s
waits), enter three test profiles; Tess opens the first email (her mail client loads its pixel),
Theo opens the push (its open_url), Tina does nothing and gets the reminder when the 10-second
test timeout passes; a purchase triggered from the panel for each brings the thank-you push;
each path lights up on the canvas. Then test mode off (test data gone), publish, and the live
report counts the real members of the audience."""

from __future__ import annotations

import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.utils import timezone

from audiences.models import Audience, Profile
from journeys.models import Journey, Message, Run, Timer
from tests.conftest import http_listener_env, screenshot, start_worker, stop_worker
from tests.journeys.canvas_helpers import build_seed_journey, show_everything, validate
from tests.journeys.engine.workers import start_beat, stop, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

NAME = "Seed journey, built by hand"


def _demo_prerequisites() -> tuple[Audience, list[Profile]]:
    """load_demo, then make sure the seed audience and the purchase event exist (built from the
    product pages' definitions when absent); the three named test profiles of the audience."""
    from audiences import demo as audiences_demo
    from events import demo as events_demo
    from events.models import EventConfiguration

    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    audience, _ = Audience.objects.get_or_create(
        name=audiences_demo.SEED_AUDIENCE_NAME, defaults={"rule": audiences_demo.SEED_RULE}
    )
    if not EventConfiguration.objects.filter(name="purchase").exists():
        events_demo.load()
    testers = [
        Profile.objects.get(identities__value=f"{first}.tester@example.com")
        for first in ("tess", "theo", "tina")
    ]
    return audience, testers


def _pushes(listener, profile: Profile) -> list[dict]:
    tokens = set(profile.push_tokens)
    return [
        r.json()["message"]
        for r in list(listener.requests)
        if r.path.endswith(":send") and r.json()["message"].get("token") in tokens
    ]


def _emails(sink, address: str) -> list:
    return [m for m in list(sink.messages) if m.rcpt_tos == [address]]


def _pick(page, profile: Profile) -> None:
    """Show a test profile's path: click its chip in the panel."""
    page.click(f".tm-person[data-profile='{profile.pk}']")
    page.wait_for_selector(f".tm-person.is-selected[data-profile='{profile.pk}']")
    page.wait_for_selector(f"#tm-log[data-profile='{profile.pk}']")


def _lit(page, nodes: list[str], current: str) -> None:
    """The path reads node by node on the canvas: each visited, the last one current."""
    for node in nodes:
        page.wait_for_selector(f"#node-{node}.node--visited", timeout=20_000)
    page.wait_for_selector(f"#node-{current}.node--current", timeout=20_000)
    for a, b in zip([*nodes, current], [*nodes, current][1:], strict=False):
        assert page.locator(f'.cv-edge.is-lit[data-from="{a}"][data-to="{b}"]').count() == 1


def test_the_seed_journey_in_test_mode_then_live(
    page, live_server, smtp_server, http_listener, settings
):
    settings.PUBLIC_URL = live_server.url
    audience, (tess, theo, tina) = _demo_prerequisites()
    env = {"EMAIL_URL": smtp_server.url, "PUBLIC_URL": live_server.url} | http_listener_env(
        http_listener
    )
    # The worker gets ready while the seed is drawn (it is first needed when profiles enter).
    starting = ThreadPoolExecutor(max_workers=1).submit(
        start_worker, log_name="seed-test-mode", extra_env=env
    )
    beat = start_beat(log_name="seed-test-mode-beat")
    worker = None
    page.on("dialog", lambda dialog: dialog.accept())
    try:
        # --- Build the seed on an empty canvas, validate, test mode on (10 s) -----------------
        page.goto("/journeys/")
        page.click("[data-testid=new-journey]")
        page.wait_for_selector(".cv-start")
        build_seed_journey(page, audience=audience.name, name=NAME)
        validate(page)
        page.click("#canvas-test-toggle")
        page.wait_for_selector("#tm-dock")
        assert "Test · 10 s" in page.inner_text("#canvas-test-toggle")
        assert "still receive the test events" in page.inner_text("#tm-dock")
        assert page.locator(".cv-palette").is_hidden()  # read-only: nothing to drop
        screenshot(page, "seed-test-1-on")

        worker = starting.result(timeout=60)

        # --- Enter three test profiles ---------------------------------------------------------
        for profile in (tess, theo, tina):
            page.check(f"input[name=profiles][value='{profile.pk}']")
        page.click("#tm-enter-selected")
        page.wait_for_selector("#tm-enter-message:has-text('3 test profiles entered')")
        assert Run.objects.filter(is_test=True).count() == 3
        smtp_server.wait_for(3)
        http_listener.wait_for(3)
        first = {
            p.pk: _emails(smtp_server, p.identities.get(namespace="email").value)
            for p in (tess, theo, tina)
        }
        assert all(
            len(found) == 1 and found[0].subject.startswith("Welcome, ") for found in first.values()
        )

        # The 10-second test wait is the race's timeout (not the journey's 1 day).
        tina_run = Run.objects.get(profile=tina, is_test=True)
        timer = Timer.objects.get(run=tina_run, kind="timeout", status="pending")
        assert (
            dt.timedelta(seconds=9)
            <= timer.due_at - tina_run.entered_at
            <= dt.timedelta(seconds=12)
        )

        # --- Tess opens the email in her mail client (its pixel loads) ------------------------
        mail = page.context.new_page()
        mail.set_content(first[tess.pk][0].html)
        mail.wait_for_load_state("networkidle")
        mail.close()
        # --- Theo opens the push (its open_url) -----------------------------------------------
        [theo_push] = _pushes(http_listener, theo)
        assert page.request.post(theo_push["data"]["open_url"]).ok
        wait_until(
            lambda: Run.objects.get(profile=tess, is_test=True).node == "reaction_2",
            20,
            "Tess's open",
        )
        wait_until(
            lambda: Run.objects.get(profile=theo, is_test=True).node == "reaction",
            20,
            "Theo's open",
        )
        assert not Timer.objects.filter(
            run__profile__in=[tess, theo], kind="timeout", status="pending"
        )

        # --- Tina opens nothing: her 10 s test timeout passes (due time moved to now) ---------
        Timer.objects.filter(pk=timer.pk, status="pending").update(due_at=timezone.now())
        tina_address = tina.identities.get(namespace="email").value
        wait_until(lambda: len(_emails(smtp_server, tina_address)) == 2, 20, "Tina's reminder")
        assert _emails(smtp_server, tina_address)[1].subject == "Did you see our new collection?"
        for other in (tess, theo):
            assert len(_emails(smtp_server, other.identities.get(namespace="email").value)) == 1

        # --- Each path lights up --------------------------------------------------------------
        show_everything(page)
        _pick(page, tess)
        _lit(page, ["read_audience", "message"], current="reaction_2")
        page.wait_for_selector("#node-event.node--listening")
        screenshot(page, "seed-test-2-tess-opened-email")
        _pick(page, theo)
        _lit(page, ["read_audience", "message"], current="reaction")
        _pick(page, tina)
        _lit(page, ["read_audience", "message", "reaction_2"], current="message_2")
        assert (
            page.locator("#node-reaction.node--visited, #node-reaction.node--current").count() == 0
        )
        screenshot(page, "seed-test-3-tina-reminded")

        # --- A purchase for each, from the panel: the thank-you push --------------------------
        for profile in (tess, theo, tina):
            address = profile.identities.get(namespace="email").value
            if page.input_value("#tm-profile") != str(profile.pk):
                with page.expect_response(lambda r: "/test/trigger/?" in r.url):
                    page.select_option("#tm-profile", str(profile.pk))
            page.wait_for_selector(f"#tm-trigger-form input[data-path=email][value='{address}']")
            if profile is theo:  # his purchase from the JSON view, edited as code
                page.click("[data-tm-tab=json]")
                payload = json.loads(page.input_value("[name=payload_json]"))
                assert payload["email"] == address and payload["purchaseMessage"] == "thank you"
                page.fill("[name=payload_json]", json.dumps(payload | {"product": "Rain jacket"}))
                screenshot(page, "seed-test-json-view")
            with page.expect_response(lambda r: "/trigger/send/" in r.url) as sent:
                page.click("#tm-send-event")
            assert sent.value.status == 200, sent.value.text()
            page.wait_for_selector("#tm-trigger-message:has-text('accepted as purchase')")
            wait_until(
                lambda p=profile: len(_pushes(http_listener, p)) == 2, 20, "the thank-you push"
            )
            assert _pushes(http_listener, profile)[1]["notification"]["title"] == "Thank you"
        from events.models import Event

        theo_event = Event.objects.get(payload__email=theo.identities.get(namespace="email").value)
        assert theo_event.payload["product"] == "Rain jacket"
        wait_until(
            lambda: (
                set(Run.objects.filter(is_test=True).values_list("status", flat=True))
                == {"finished"}
            ),
            20,
            "the test runs to finish",
        )
        _pick(page, tina)
        for node in ("read_audience", "message", "reaction_2", "message_2", "event", "message_3"):
            page.wait_for_selector(f"#node-{node}.node--visited")
        page.wait_for_selector("#tm-run-status:has-text('finished')")
        page.evaluate("document.getElementById('tm-live').closest('.tm-section').scrollIntoView()")
        screenshot(page, "seed-test-4-tina-thanked")  # docs/img/canvas-test-mode.png
        _pick(page, theo)
        for node in ("read_audience", "message", "reaction", "event", "message_3"):
            page.wait_for_selector(f"#node-{node}.node--visited")
        assert page.locator("#node-message_2.node--visited").count() == 0
        assert page.inner_text("#tm-run-status") == "finished"

        # --- Test mode off: test data gone; publish; the live report counts the members -------
        page.click("#canvas-test-toggle")
        page.wait_for_selector(".cv-palette:visible")
        assert not Run.objects.filter(is_test=True).exists()
        assert not Message.objects.filter(is_test=True).exists()
        page.click("#canvas-publish-btn")
        page.wait_for_selector("#canvas-status:has-text('Live')")
        from audiences.selectors.audiences import audience_count

        members = audience_count(audience=audience)
        assert members > 3
        page.wait_for_selector(f"#rp-entered:text-is('{members}')", timeout=60_000)
        show_everything(page)
        page.wait_for_selector("#node-message .cv-count")
        screenshot(page, "seed-live-report-canvas")
        assert Run.objects.filter(is_test=False).count() == members
        page.goto(f"/journeys/{Journey.objects.get(name=NAME).pk}/report/")
        page.wait_for_selector("svg.chart")
        assert page.inner_text("#rp-page-entered") == str(members)
        screenshot(page, "seed-live-report-page")
    finally:
        stop(beat)
        stop_worker(worker or starting.result(timeout=60))
