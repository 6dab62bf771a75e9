"""Event configurations (which incoming payloads are which event) and the append-only event log.

- `EventConfiguration`: name, type (unitary | business), ID type (rule_based: a condition over
  payload paths; system_generated: senders put the generated `event_id` in `eventID`), the
  declared payload fields, and for unitary events the identity namespace + identifier field.
- `Event`: one row per received event object, whatever its outcome (accepted, discarded with a
  reason, duplicate). Never updated after the ingestion transaction.
- `EventMatch`: one row per (accepted event, matched configuration): what journeys look up
  ("did profile P have a `purchase` since T?", "the business events of configuration C").
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from audiences.models import Profile

NAME_PATTERN = r"^[A-Za-z0-9_]{1,30}$"
FIELD_TYPES = ("string", "integer", "number", "boolean", "datetime")


class EventConfiguration(models.Model):
    class Type(models.TextChoices):
        UNITARY = "unitary", "Unitary (about one person)"
        BUSINESS = "business", "Business (not about a person)"

    class IdType(models.TextChoices):
        RULE_BASED = "rule_based", "Rule-based"
        SYSTEM_GENERATED = "system_generated", "System-generated"

    name = models.CharField(
        max_length=30,
        unique=True,
        validators=[RegexValidator(NAME_PATTERN, "letters, digits and _ only")],
        help_text="Letters, digits and _, at most 30 (e.g. purchase).",
    )
    description = models.TextField(blank=True, default="")
    type = models.CharField(max_length=10, choices=Type.choices, default=Type.UNITARY)
    id_type = models.CharField(max_length=20, choices=IdType.choices, default=IdType.RULE_BASED)
    # System-generated events only: senders put it in the payload as `eventID`.
    event_id = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    fields = models.JSONField(
        default=list,
        blank=True,
        help_text='e.g. [{"path": "email", "type": "string", "required": true}, '
        '{"path": "amount", "type": "number", "required": false}]',
    )
    condition = models.JSONField(
        null=True,
        blank=True,
        help_text='Rule-based events: e.g. {"field": "purchaseMessage", "op": "eq", "value": "thank you"}',
    )
    namespace = models.SlugField(
        max_length=50, blank=True, default="", help_text="Unitary events: e.g. email"
    )
    profile_id_field = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text="Unitary events: the payload field holding the identifier",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_unitary(self) -> bool:
        return self.type == self.Type.UNITARY

    @property
    def is_rule_based(self) -> bool:
        return self.id_type == self.IdType.RULE_BASED


class Event(models.Model):
    class Status(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        DISCARDED = "discarded", "Discarded"
        DUPLICATE = "duplicate", "Duplicate"

    # The sender's `_id`: an `_id` is processed once (accepted or discarded); later copies are
    # logged as duplicates. The partial unique index below enforces it under concurrency.
    external_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001 - NULL: no `_id`, no uniqueness
    status = models.CharField(max_length=10, choices=Status.choices)
    reason = models.CharField(max_length=255, blank=True, default="")
    payload = models.JSONField()
    profile = models.ForeignKey(
        Profile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurred_at = models.DateTimeField(
        help_text="The payload's `timestamp`, else the reception time"
    )
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(status="duplicate"),
                name="event_external_id_processed_once",
            ),
        ]
        indexes = [
            # the explorer filtered by status, newest first (events.selectors.event_list)
            models.Index(fields=["status", "-id"], name="event_status_recent"),
        ]

    def __str__(self) -> str:
        return f"Event {self.pk} ({self.status})"


class EventMatch(models.Model):
    """One accepted event counted for one configuration."""

    # FK indexes left out: the unique constraint and the composite indexes below cover them
    # (fewer indexes, faster ingestion).
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="matches", db_index=False
    )
    configuration = models.ForeignKey(
        EventConfiguration, on_delete=models.CASCADE, related_name="matches", db_index=False
    )
    profile = models.ForeignKey(
        Profile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    occurred_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "event matches"
        constraints = [
            models.UniqueConstraint(fields=["event", "configuration"], name="event_match_once"),
        ]
        indexes = [
            # engine: a profile's events of one configuration since T (events.selectors.profile_events)
            models.Index(
                fields=["profile", "configuration", "occurred_at"], name="match_profile_config_time"
            ),
            # business events and the explorer's configuration filter, by time
            models.Index(fields=["configuration", "occurred_at"], name="match_config_time"),
        ]

    def __str__(self) -> str:
        return f"{self.configuration_id} ← event {self.event_id}"
