"""Publishing, stopping, closing, and new versions.

    draft ──publish──▶ live ──close──▶ closed ──(engine: no run left)──▶ finished
      │ (test mode: test engineer)      └──stop──▶ stopped ◀──stop── closed
      └── a new version is created from the latest only, once it is published

Every transition is a conditional change on a row-locked version, and calls the engine hook
(journeys/engine/lifecycle.py) in the same transaction.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from journeys.engine import lifecycle as engine
from journeys.models import Journey, JourneyVersion, VersionStatus
from journeys.selectors import version_report
from journeys.validation import Report, entry_type_of

from .errors import DefinitionInvalid, LifecycleError, PermissionRefused

PUBLISH_PERMISSION = "journeys.publish_journey"
PERMISSION_REASON = "Publishing, stopping and closing journeys needs the “publish journeys” permission (Publisher group)."


def can_publish(user) -> bool:
    return bool(user and user.has_perm(PUBLISH_PERMISSION))


def _require_permission(user) -> None:
    if not can_publish(user):
        raise PermissionRefused(PERMISSION_REASON)


def _locked_versions(journey: Journey) -> list[JourneyVersion]:
    return list(
        JourneyVersion.objects.select_for_update()
        .select_related("journey")
        .filter(journey=journey)
        .order_by("-number")
    )


@transaction.atomic
def journey_publish(*, journey: Journey, user) -> tuple[JourneyVersion, Report]:
    """Make the journey's draft (or test) version live.

    Steps: permission; lock the versions; the open version must be valid (else
    DefinitionInvalid with every error); close the live version (engine.version_closed); the
    open version goes live (engine.version_published). Returns it with its report (warnings)."""
    _require_permission(user)
    versions = _locked_versions(journey)
    candidate = next(
        (v for v in versions if v.status in (VersionStatus.DRAFT, VersionStatus.TEST)), None
    )
    if candidate is None:
        raise LifecycleError("there is no draft to publish: create a new version first")
    report = version_report(candidate)
    if not report.valid:
        raise DefinitionInvalid("the journey has errors: fix them before publishing", report.errors)
    now = timezone.now()
    replaced = next((v for v in versions if v.status == VersionStatus.LIVE), None)
    if replaced is not None:
        replaced.status, replaced.ended_at = VersionStatus.CLOSED, now
        replaced.save(update_fields=["status", "ended_at", "updated_at"])
        engine.version_closed(replaced)
    if candidate.status == VersionStatus.TEST:  # publishing straight from test mode
        from journeys.testmode.services import clear_test_data

        clear_test_data(candidate)
        candidate.test_wait_seconds = None
    candidate.status = VersionStatus.LIVE
    candidate.published_at, candidate.published_by = now, user
    candidate.save(
        update_fields=["status", "test_wait_seconds", "published_at", "published_by", "updated_at"]
    )
    candidate.journey.entry_type = entry_type_of(candidate.definition)
    candidate.journey.save(update_fields=["entry_type", "updated_at"])
    engine.version_published(candidate, replaced=replaced)
    return candidate, report


@transaction.atomic
def journey_close(*, journey: Journey, user) -> JourneyVersion:
    """No new entries into the live version; profiles inside finish their journey."""
    _require_permission(user)
    live = next((v for v in _locked_versions(journey) if v.status == VersionStatus.LIVE), None)
    if live is None:
        raise LifecycleError("only a live journey can be closed")
    live.status, live.ended_at = VersionStatus.CLOSED, timezone.now()
    live.save(update_fields=["status", "ended_at", "updated_at"])
    journey.save(update_fields=["updated_at"])
    engine.version_closed(live)
    return live


@transaction.atomic
def journey_stop(*, journey: Journey, user) -> list[JourneyVersion]:
    """Every profile leaves now: the live version and closed versions still running stop."""
    _require_permission(user)
    running = [
        v
        for v in _locked_versions(journey)
        if v.status in (VersionStatus.LIVE, VersionStatus.CLOSED)
    ]
    if not running:
        raise LifecycleError("only a live or closed journey can be stopped")
    now = timezone.now()
    for version in running:
        version.status = VersionStatus.STOPPED
        version.ended_at = version.ended_at or now
        version.save(update_fields=["status", "ended_at", "updated_at"])
        engine.version_stopped(version)
    journey.save(update_fields=["updated_at"])
    return running


@transaction.atomic
def journey_new_version(*, journey: Journey, user=None) -> JourneyVersion:
    """A new draft copied from the latest version, which must be published (one open version
    at a time; the entry type stays — validation refuses a change)."""
    versions = _locked_versions(journey)
    latest = versions[0]
    if latest.status in (VersionStatus.DRAFT, VersionStatus.TEST):
        raise LifecycleError(
            f"version {latest.number} is still a {latest.get_status_display().lower()}: edit it instead"
        )
    version = JourneyVersion.objects.create(
        journey=journey,
        number=latest.number + 1,
        definition=latest.definition,
        layout=latest.layout,
        created_by=user,
        updated_by=user,
    )
    journey.save(update_fields=["updated_at"])
    return version
