"""The canvas's test mode (HTMX): the Test toggle, the test dock (enter test profiles, trigger an
event, pick a profile) and the live log whose polling lights the picked profile's path up.

Thin views over journeys.testmode.services / selectors. Refusals come back as a message in the
region that asked (422/409), nothing changed.
"""

from __future__ import annotations

import json

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from journeys.canvas.presenter import canvas_state
from journeys.models import JourneyVersion, VersionStatus
from journeys.services.errors import DefinitionInvalid, JourneyServiceError

from . import services
from .forms import event_form, payload_from_form, payload_from_json
from .selectors import journey_events, profile_identity, run_log, testable_profiles


def _version(version_id: int) -> JourneyVersion:
    return get_object_or_404(JourneyVersion.objects.select_related("journey"), pk=version_id)


def _test_version(version_id: int) -> JourneyVersion:
    version = _version(version_id)
    if version.status != VersionStatus.TEST:
        raise Http404("this version is not in test mode")
    return version


def _profile_param(request) -> int | None:
    raw = request.GET.get("profile") or request.POST.get("profile") or ""
    return int(raw) if raw.isdigit() else None


def _canvas_url(version: JourneyVersion) -> str:
    return reverse("journeys:canvas", args=[version.journey_id]) + f"?version={version.number}"


@require_POST
def toggle(request, version_id: int):
    """Switch test mode on (with the wait time) or off; the canvas reloads in its new state.
    An invalid draft opens the alerts panel with its errors instead."""
    version = _version(version_id)
    journey = version.journey
    try:
        if request.POST.get("enabled") == "1":
            services.journey_test_start(
                journey=journey, wait_seconds=request.POST.get("wait_seconds"), user=request.user
            )
        else:
            services.journey_test_stop(journey=journey, user=request.user)
    except DefinitionInvalid:
        state = canvas_state(version, user=request.user)
        html = render_to_string(
            "journeys/canvas/_alerts.html",
            {"state": state, "alerts_open": True, "validated": True},
            request=request,
        )
        response = HttpResponse(html, status=422)
        response["HX-Retarget"], response["HX-Reswap"] = "#canvas-alerts", "outerHTML"
        return response
    except JourneyServiceError as error:
        return _message(request, error.message, status=error.status, target="#canvas-conflict")
    return HttpResponseClientRedirect(_canvas_url(version))


def _message(request, text: str, *, status: int = 200, target: str | None = None, ok: bool = False):
    html = render_to_string(
        "journeys/canvas/test/_message.html", {"text": text, "ok": ok}, request=request
    )
    response = HttpResponse(html, status=status)
    if target:
        response["HX-Retarget"], response["HX-Reswap"] = target, "innerHTML"
    return response


def dock_context(version: JourneyVersion, *, profile_id: int | None = None) -> dict:
    """What the test dock shows (also used by the canvas page through the dock include)."""
    from .selectors import entry_node

    entry = entry_node(version) or {}
    profiles = testable_profiles(version)
    if profile_id is None:
        profile_id = next((p.id for p in profiles if p.status), None)
    return {
        "version": version,
        "entry_type": entry.get("type", ""),
        "enter_by_hand": entry.get("type") in services.ENTER_BY_HAND,
        "events": journey_events(version),
        "profiles": profiles,
        "audience_test_count": sum(1 for p in profiles if p.in_audience),
        "selected": profile_id,
        "log": run_log(version, profile_id) if profile_id else None,
        "max_entries": services.MAX_TEST_ENTRIES,
    }


@require_GET
def live(request, version_id: int):
    """The polled region (every second): who is in the test, and the picked profile's log with
    its lit path (data read by static/js/testmode.js)."""
    version = _version(version_id)
    if version.status != VersionStatus.TEST:
        # Test mode ended elsewhere (another tab, the API): reload into the draft.
        return HttpResponseClientRedirect(_canvas_url(version))
    context = dock_context(version, profile_id=_profile_param(request))
    return render(request, "journeys/canvas/test/_live.html", context)


@require_POST
def enter(request, version_id: int):
    """Enter the ticked test profiles (or, with `all`, the audience's test profiles)."""
    version = _test_version(version_id)
    ids = None if request.POST.get("all") else request.POST.getlist("profiles")
    if ids is not None and not ids:
        return _message(request, "Tick at least one test profile, or enter them all.", status=422)
    try:
        result = services.journey_test_enter(journey=version.journey, profile_ids=ids)
    except JourneyServiceError as error:
        return _message(request, error.message, status=error.status)
    text = f"{result.entered} test profile{'s' if result.entered != 1 else ''} entered."
    if result.refused:
        reasons = ", ".join(
            f"{n} {reason.replace('_', ' ')}" for reason, n in result.refused.items()
        )
        text += f" Refused: {reasons}."
    return _message_and_log(
        request, version, text, ok=bool(result.entered), profile_id=result.requested[0]
    )


def _message_and_log(request, version, text: str, *, ok: bool, profile_id: int | None):
    """The message where the action was, and the log switched to that profile (out of band),
    so the marketer watches the profile they just acted for."""
    response = _message(request, text, ok=ok)
    if profile_id is not None:
        context = dock_context(version, profile_id=profile_id) | {"oob": True}
        response.content += render_to_string(
            "journeys/canvas/test/_live.html", context, request=request
        ).encode()
    return response


@require_GET
def trigger_form(request, version_id: int):
    """The "Trigger an event" form for one of the journey's events and a test profile."""
    from events.models import EventConfiguration

    version = _test_version(version_id)
    events = journey_events(version)
    name = request.GET.get("event") or (events[0] if events else "")
    config = EventConfiguration.objects.filter(name=name).first()
    if name not in events or config is None:
        raise Http404("this journey does not use that event")
    profiles = testable_profiles(version)
    profile_id = _profile_param(request) or (profiles[0].id if profiles else None)
    identity = profile_identity(profile_id, config.namespace) if profile_id else None
    fields, payload = event_form(config, identity=identity)
    return render(
        request,
        "journeys/canvas/test/_trigger.html",
        {
            "version": version,
            "config": config,
            "events": events,
            "profiles": profiles,
            "selected": profile_id,
            "fields": fields,
            "payload_json": json.dumps(payload, indent=2, ensure_ascii=False),
        },
    )


@require_POST
def trigger(request, version_id: int):
    """Send the event through the real ingestion path; say what ingestion answered."""
    from events.models import EventConfiguration

    version = _test_version(version_id)
    config = EventConfiguration.objects.filter(name=request.POST.get("event", "")).first()
    if config is None:
        return _message(request, "Pick an event.", status=422)
    profile_id = _profile_param(request)
    try:
        if request.POST.get("mode") == "json":
            payload = payload_from_json(request.POST.get("payload_json", ""))
        else:
            payload = payload_from_form(config, request.POST)
        results = services.journey_test_trigger_event(
            journey=version.journey, event=config.name, payload=payload, profile_id=profile_id
        )
    except JourneyServiceError as error:
        return _message(request, error.message, status=422)
    result = results[0]
    if result["status"] == "accepted":
        text = f"Event sent: accepted as {', '.join(result['matched'])}."
        return _message_and_log(request, version, text, ok=True, profile_id=profile_id)
    return _message(
        request, f"Event {result['status']}: {result['reason'] or 'no reason given'}.", status=422
    )


@require_POST
def reaction(request, version_id: int):
    """Simulate an open or a click of a test message, then redraw the live region."""
    version = _test_version(version_id)
    try:
        services.journey_test_reaction(
            journey=version.journey,
            message_id=request.POST.get("message", ""),
            kind=request.POST.get("kind", ""),
        )
    except JourneyServiceError as error:
        return _message(request, error.message, status=422, target="#tm-live-message")
    context = dock_context(version, profile_id=_profile_param(request))
    return render(request, "journeys/canvas/test/_live.html", context)
