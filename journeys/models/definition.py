"""Journeys and their versions (the canvas, validation, publishing).

A `Journey` holds what is shared by all its versions (name, namespace, properties); each
`JourneyVersion` holds one definition — the contract's `nodes` and `edges`, exactly as written
(the export/import format) — and its lifecycle status. `properties` is kept as written too; the
typed columns next to it are derived from it on every save (services) for the engine's queries.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from journeys.guardrails import DEFAULT_REENTRANCE_WAIT

__all__ = ["Journey", "JourneyVersion", "VersionStatus"]


class Journey(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    namespace = models.SlugField(
        max_length=50,
        blank=True,
        default="",
        help_text="Identity namespace of the profiles this journey addresses (e.g. email).",
    )
    properties = models.JSONField(
        default=dict,
        blank=True,
        help_text='As written, e.g. {"reentrance": {"allowed": true, "wait": "PT5M"}, '
        '"timezone": "Europe/Paris", "start": "2026-12-01T00:00:00+01:00", "end": null}',
    )
    # Derived from `properties` by the services (never edited on their own).
    reentrance_allowed = models.BooleanField(default=False)
    reentrance_wait = models.DurationField(default=DEFAULT_REENTRANCE_WAIT)
    start_at = models.DateTimeField(null=True, blank=True)
    end_at = models.DateTimeField(null=True, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    # Entry activity type; cannot change across versions once one was published.
    entry_type = models.CharField(max_length=40, blank=True, default="")

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-updated_at"]
        permissions = [("publish_journey", "Can publish, stop and close journeys")]
        indexes = [
            # engine: journeys whose end date passed (runs still inside exit)
            models.Index(
                fields=["end_at"], name="journey_end_at", condition=Q(end_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return self.name


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    TEST = "test", "Test"
    LIVE = "live", "Live"
    CLOSED = "closed", "Closed"
    STOPPED = "stopped", "Stopped"
    FINISHED = "finished", "Finished"


EDITABLE_STATUSES = (VersionStatus.DRAFT,)
OPEN_STATUSES = (VersionStatus.DRAFT, VersionStatus.TEST)  # not yet published


class JourneyVersion(models.Model):
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    definition = models.JSONField(
        default=dict, help_text='{"nodes": [...], "edges": [...]} exactly as written (contract)'
    )
    layout = models.JSONField(
        default=dict, blank=True, help_text="Canvas-only metadata (never part of the export)."
    )
    # Optimistic concurrency: every definition change bumps it; a save based on an older
    # revision is refused (two tabs on one draft).
    revision = models.PositiveIntegerField(default=1)
    # Test mode (journeys/testmode): while the status is `test`, every wait and event/reaction
    # timeout lasts this many seconds (the engine reads it through its plan).
    test_wait_seconds = models.PositiveIntegerField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When closed or stopped.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["journey", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["journey", "number"], name="journey_version_number"),
            # journey_publish: at most one live version per journey
            models.UniqueConstraint(
                fields=["journey"], condition=Q(status="live"), name="journey_one_live_version"
            ),
            # journey_new_version: at most one unpublished (draft/test) version per journey
            models.UniqueConstraint(
                fields=["journey"],
                condition=Q(status__in=["draft", "test"]),
                name="journey_one_open_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.journey.name} v{self.number} ({self.status})"

    @property
    def nodes(self) -> list[dict]:
        return self.definition.get("nodes", [])

    @property
    def edges(self) -> list[dict]:
        return self.definition.get("edges", [])

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def last_change(self) -> dt.datetime:
        return self.updated_at
