"""Writes of test mode. The engine does the running (journeys/engine); these services decide what
a marketer may do in test mode and hand it to the engine or to the real ingestion path.

    version = journey_test_start(journey=j, wait_seconds=10, user=u)   # draft → test
    result = journey_test_enter(journey=j, profile_ids=[17, 18])            # read audience / business event
    results = journey_test_trigger_event(journey=j, event="purchase", payload={...}, profile_id=17)
    journey_test_reaction(journey=j, message_id=42, kind="opened")          # as if the pixel loaded
    journey_test_stop(journey=j, user=u)                               # test → draft, test data gone
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from journeys.engine import entries
from journeys.engine import lifecycle as engine
from journeys.engine.plan import plan_for
from journeys.models import Journey, JourneyVersion, Message, VersionStatus
from journeys.selectors import version_report
from journeys.services.errors import DefinitionInvalid

from .errors import TestModeError
from .forms import payload_get, payload_put
from .selectors import audience_test_profile_ids, journey_events, profile_identity

DEFAULT_WAIT_SECONDS = 10
MIN_WAIT_SECONDS, MAX_WAIT_SECONDS = 1, 3600
MAX_TEST_ENTRIES = 100
ENTER_BY_HAND = ("read_audience", "business_event")


def _open_version(journey: Journey, *, lock: bool = True) -> JourneyVersion | None:
    versions = JourneyVersion.objects.select_related("journey").filter(
        journey=journey, status__in=[VersionStatus.DRAFT, VersionStatus.TEST]
    )
    return (versions.select_for_update() if lock else versions).first()


def journey_test_version(journey: Journey) -> JourneyVersion:
    """The journey's version in test mode, or a 409 saying test mode is off."""
    version = _open_version(journey, lock=False)
    if version is None or version.status != VersionStatus.TEST:
        raise TestModeError("test mode is off: switch it on first", status=409)
    return version


def clean_wait_seconds(value: Any) -> int:
    if value is None or value == "":
        return DEFAULT_WAIT_SECONDS
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TestModeError("a whole number of seconds", field="wait_seconds")
    try:
        seconds = int(value)
    except ValueError:
        raise TestModeError("a whole number of seconds", field="wait_seconds") from None
    if not MIN_WAIT_SECONDS <= seconds <= MAX_WAIT_SECONDS:
        raise TestModeError(
            f"between {MIN_WAIT_SECONDS} and {MAX_WAIT_SECONDS} seconds", field="wait_seconds"
        )
    return seconds


@transaction.atomic
def journey_test_start(*, journey: Journey, wait_seconds: Any = None, user=None) -> JourneyVersion:
    """Switch the journey's draft to test mode (or change the wait time of a running test).

    Steps: check the wait time; lock the open version (a draft, or already in test); a draft
    must be valid (DefinitionInvalid with every error otherwise); status `test` with the wait
    time; the engine starts taking test entries (engine.test_started)."""
    seconds = clean_wait_seconds(wait_seconds)
    version = _open_version(journey)
    if version is None:
        raise TestModeError(
            "only a draft can be tested: create a new version of this journey first", status=409
        )
    if version.status == VersionStatus.TEST:
        version.test_wait_seconds = seconds
        version.save(update_fields=["test_wait_seconds", "updated_at"])
        return version
    report = version_report(version)
    if not report.valid:
        raise DefinitionInvalid("the journey has errors: fix them before testing", report.errors)
    version.status, version.test_wait_seconds = VersionStatus.TEST, seconds
    version.updated_by = user
    version.save(update_fields=["status", "test_wait_seconds", "updated_by", "updated_at"])
    engine.test_started(version)
    return version


@transaction.atomic
def journey_test_stop(*, journey: Journey, user=None) -> JourneyVersion:
    """Leave test mode: the version is a draft again and its test runs, steps, timers, entry
    counters and test messages (with their reactions) are deleted — test data never stays."""
    version = _open_version(journey)
    if version is None or version.status != VersionStatus.TEST:
        raise TestModeError("test mode is already off", status=409)
    clear_test_data(version)
    version.status, version.test_wait_seconds = VersionStatus.DRAFT, None
    version.updated_by = user
    version.save(update_fields=["status", "test_wait_seconds", "updated_by", "updated_at"])
    return version


def clear_test_data(version: JourneyVersion) -> None:
    """Delete what test mode left for `version` (also called when it is published from test)."""
    engine.test_stopped(version)
    Message.objects.filter(journey_version_id=version.pk, is_test=True).delete()


@dataclass
class EnterResult:
    requested: list[int]
    entered: int
    refused: dict[str, int] = field(default_factory=dict)


def journey_test_enter(*, journey: Journey, profile_ids: list[Any] | None) -> EnterResult:
    """Start test runs of a read-audience or business-event journey now.

    `profile_ids`: 1–100 test profiles; empty or None: the test profiles of the entry's
    audience (up to 100). Every id must be a test profile (the error names `profiles[i]`).
    The engine enters them set-based (already inside → refused, counted with the reason)."""
    version = journey_test_version(journey)
    plan = plan_for(version)
    if plan.entry.type not in ENTER_BY_HAND:
        raise TestModeError(
            "profiles enter this journey through its event: use “Trigger an event”",
            field="profiles",
        )
    ids = _clean_profile_ids(profile_ids)
    if not ids:
        audience = plan.entry.config.get("audience")
        ids = audience_test_profile_ids(audience, limit=MAX_TEST_ENTRIES) if audience else []
        if not ids:
            raise TestModeError(
                "the journey's audience has no test profile: mark profiles as test profiles, "
                "or name them",
                field="profiles",
            )
    before = _discards(version)
    entered = entries.enter_profiles(plan=plan, profile_ids=ids, context={"entry": {"test": True}})
    after = _discards(version)
    refused = {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}
    return EnterResult(requested=ids, entered=entered, refused=refused)


def _discards(version: JourneyVersion) -> dict[str, int]:
    from journeys.engine import history

    return history.discard_reasons(version_id=version.pk, is_test=True)


def _clean_profile_ids(raw: list[Any] | None) -> list[int]:
    from audiences.models import Profile

    if raw is None:
        return []
    if not isinstance(raw, list):
        raise TestModeError("a list of profile ids", field="profiles")
    if len(raw) > MAX_TEST_ENTRIES:
        raise TestModeError(
            f"at most {MAX_TEST_ENTRIES} profiles at once (got {len(raw)})", field="profiles"
        )
    ids: list[int] = []
    for index, value in enumerate(raw):
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
            raise TestModeError("a profile id (a whole number)", field=f"profiles[{index}]")
        ids.append(int(value))
    found = dict(Profile.objects.filter(id__in=ids).values_list("id", "is_test"))
    for index, profile_id in enumerate(ids):
        if profile_id not in found:
            raise TestModeError(f"no profile {profile_id}", field=f"profiles[{index}]")
        if not found[profile_id]:
            raise TestModeError(
                f"profile {profile_id} is not a test profile: only test profiles enter a journey "
                "in test mode",
                field=f"profiles[{index}]",
            )
    return list(dict.fromkeys(ids))


def journey_test_trigger_event(
    *, journey: Journey, event: str, payload: Any, profile_id: int | None = None
) -> list[dict[str, Any]]:
    """Send an event the journey uses, for a test profile, through the real ingestion path
    (`events_ingest`, as POST /api/v1/events/): every journey listening to it hears it.

    Steps: the event must be one the journey uses; for a unitary event the payload's profile
    field is the test profile's identity (filled in when missing; another profile is refused);
    then ingest it and answer the ingestion results (accepted / discarded with the reason)."""
    from events.models import EventConfiguration
    from events.services import events_ingest

    version = journey_test_version(journey)
    if event not in journey_events(version):
        raise TestModeError(f"this journey does not use the event {event!r}", field="event")
    config = EventConfiguration.objects.filter(name=event).first()
    if config is None:
        raise TestModeError(f"no event configuration {event!r}", field="event")
    if not isinstance(payload, dict):
        raise TestModeError("the payload must be a JSON object", field="payload")
    payload = dict(payload)
    if config.type == "unitary":
        _bind_profile(config, payload, profile_id)
    return [result.as_dict() for result in events_ingest(items=[payload])]


def _bind_profile(config, payload: dict[str, Any], profile_id: int | None) -> None:
    from audiences.models import Profile

    if profile_id is None:
        raise TestModeError("pick the test profile the event is about", field="profile")
    profile = Profile.objects.filter(pk=profile_id).only("id", "is_test").first()
    if profile is None or not profile.is_test:
        raise TestModeError("only test profiles can be used in test mode", field="profile")
    identity = profile_identity(profile_id, config.namespace)
    if identity is None:
        raise TestModeError(
            f"this test profile has no {config.namespace} identity", field="profile"
        )
    path = config.profile_id_field
    sent = payload_get(payload, path)
    if sent in (None, ""):
        payload_put(payload, path, identity)
    elif str(sent) != identity:
        raise TestModeError(
            f"{path} must be the test profile's {config.namespace} ({identity})",
            field=f"payload.{path}",
        )


def journey_test_reaction(*, journey: Journey, message_id: Any, kind: str) -> bool:
    """Simulate an open or a click of a test message, through the same recording path as the
    signed tracking URLs (`reaction_record`): the engine hears it as a real one. True when it
    was the first of its kind."""
    from journeys.channels.reactions import reaction_record

    version = journey_test_version(journey)
    if kind not in ("opened", "clicked"):
        raise TestModeError("opened or clicked", field="kind")
    message = (
        Message.objects.filter(pk=message_id if str(message_id).isdigit() else 0)
        .only("id", "is_test", "journey_version_id", "status")
        .first()
    )
    if message is None or not message.is_test or message.journey_version_id != version.pk:
        raise TestModeError("no such test message in this journey", field="message")
    if message.status != "sent":
        raise TestModeError(
            f"this message is {message.status}, not sent: only a sent message can be opened",
            field="message",
        )
    url = "(simulated in test mode)" if kind == "clicked" else ""
    return reaction_record(message_id=message.pk, kind=kind, url=url)
