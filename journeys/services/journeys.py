"""Creating, saving and duplicating journeys (whole definitions).

Every save: (1) locks the draft row and checks `expected_revision` (two tabs: the second save is
refused, nothing lost); (2) validates; malformed definitions are refused with their problems
(nothing stored); incomplete ones are stored — their errors block test and publish only;
(3) stores the document as written and bumps the revision.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from journeys.models import Journey, JourneyVersion, VersionStatus
from journeys.selectors import latest_version, published_entry_type, version_document
from journeys.validation import (
    READ_ONLY_KEYS,
    Report,
    entry_type_of,
    parse_properties,
    validate_document,
)

from .errors import CONFLICT_MESSAGE, DefinitionInvalid, NotEditable, RevisionConflict


def _checked(
    document: Any, *, journey: Journey | None = None, version: JourneyVersion | None = None
) -> Report:
    """Validate; raise DefinitionInvalid with the malformed problems (nothing is stored)."""
    report = validate_document(
        document,
        previous_entry_type=published_entry_type(journey, excluding=version) if journey else None,
        journey_id=journey.pk if journey else None,
    )
    if report.malformed:
        raise DefinitionInvalid("the definition is not valid", report.malformed)
    return report


def _apply_document(journey: Journey, document: dict[str, Any]) -> None:
    """Copy the document's journey-level fields onto `journey` (not saved)."""
    journey.name = document["name"].strip()
    journey.description = document.get("description") or ""
    journey.namespace = document.get("namespace") or ""
    journey.properties = document.get("properties") or {}
    for column, value in parse_properties(journey.properties).items():
        setattr(journey, column, value)


def _definition(document: dict[str, Any]) -> dict[str, Any]:
    return {"nodes": document.get("nodes") or [], "edges": document.get("edges") or []}


@transaction.atomic
def journey_create(*, document: dict[str, Any], user=None) -> tuple[JourneyVersion, Report]:
    """Create a journey and its version 1 (draft) from a contract document.

    Raises DefinitionInvalid (malformed). Returns the version and its validation report."""
    document = (
        {k: v for k, v in document.items() if k not in READ_ONLY_KEYS}
        if isinstance(document, dict)
        else document
    )
    report = _checked(document)
    journey = Journey(created_by=user)
    _apply_document(journey, document)
    journey.entry_type = entry_type_of(document)
    journey.save()
    version = JourneyVersion.objects.create(
        journey=journey,
        number=1,
        definition=_definition(document),
        created_by=user,
        updated_by=user,
    )
    return version, report


def lock_draft(journey: Journey, *, expected_revision: int | None) -> JourneyVersion:
    """The journey's draft, row-locked; NotEditable / RevisionConflict otherwise."""
    version = (
        JourneyVersion.objects.select_for_update()
        .select_related("journey")
        .filter(journey=journey)
        .order_by("-number")
        .first()
    )
    if version is None:
        raise NotEditable("this journey has no version")
    if version.status == VersionStatus.TEST:
        raise NotEditable(
            f"version {version.number} is in test mode: switch test mode off to edit it"
        )
    if version.status != VersionStatus.DRAFT:
        raise NotEditable(
            f"version {version.number} is {version.get_status_display().lower()} and read-only: "
            "create a new version to change the journey"
        )
    if expected_revision is not None and expected_revision != version.revision:
        raise RevisionConflict(CONFLICT_MESSAGE)
    return version


def save_draft(version: JourneyVersion, *, definition: dict[str, Any], user=None) -> None:
    """Store a new definition on a locked draft and bump its revision."""
    version.definition = definition
    version.revision += 1
    version.updated_by = user
    version.save(update_fields=["definition", "revision", "updated_by", "updated_at"])
    journey = version.journey
    if published_entry_type(journey, excluding=version) is None:
        journey.entry_type = entry_type_of(definition)
    journey.save()


@transaction.atomic
def journey_update_definition(
    *, journey: Journey, document: dict[str, Any], expected_revision: int | None = None, user=None
) -> tuple[JourneyVersion, Report]:
    """Replace the draft's definition (and the journey's name, namespace, properties) with
    `document` — the API's PUT. Draft only; refused on a stale `expected_revision`."""
    version = lock_draft(journey, expected_revision=expected_revision)
    if isinstance(document, dict):
        document = {k: v for k, v in document.items() if k not in READ_ONLY_KEYS}
    report = _checked(document, journey=version.journey, version=version)
    _apply_document(version.journey, document)
    save_draft(version, definition=_definition(document), user=user)
    return version, report


@transaction.atomic
def journey_update_properties(
    *,
    journey: Journey,
    name: str,
    description: str = "",
    namespace: str = "",
    properties: dict[str, Any] | None = None,
    expected_revision: int | None = None,
    user=None,
) -> tuple[JourneyVersion, Report]:
    """The canvas's properties panel: name, description, namespace, properties (draft only;
    they are the journey's, shared by its versions). Like every draft edit it checks and bumps
    the draft's revision, so a second tab's stale save is refused."""
    version = lock_draft(journey, expected_revision=expected_revision)
    document = version_document(version) | {
        "name": name,
        "description": description,
        "namespace": namespace,
        "properties": properties or {},
    }
    report = _checked(document, journey=version.journey, version=version)
    _apply_document(version.journey, document)
    version.journey.save()
    version.revision += 1
    version.updated_by = user
    version.save(update_fields=["revision", "updated_by", "updated_at"])
    return version, report


@transaction.atomic
def journey_duplicate(*, journey: Journey, user=None) -> JourneyVersion:
    """A new journey ("<name> (copy)", version 1 draft) from the latest version of `journey`."""
    source = latest_version(journey)
    copy = Journey(
        name=f"{journey.name} (copy)"[:200],
        description=journey.description,
        namespace=journey.namespace,
        properties=journey.properties,
        created_by=user,
    )
    for column, value in parse_properties(journey.properties).items():
        setattr(copy, column, value)
    copy.entry_type = entry_type_of(source.definition)
    copy.save()
    return JourneyVersion.objects.create(
        journey=copy,
        number=1,
        definition=source.definition,
        layout=source.layout,
        created_by=user,
        updated_by=user,
    )
