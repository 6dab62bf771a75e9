"""Channels: the outbox (Message + MessageContent), reactions, unsubscribes, channel settings and
custom actions. The services live in `journeys/channels/`.

Runs are referenced by plain ids (`run_id`, `node_id`, `journey_version_id`), not foreign keys,
so the outbox stays decoupled from the engine's tables and fan-out inserts stay cheap.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    PUSH = "push", "Push"
    SMS = "sms", "SMS"
    ACTION = "action", "Custom action"


class MessageStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # waiting to be sent (maybe claimed under a lease)
    SENDING = "sending", "Sending"  # a worker is talking to the provider right now
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    EXCLUDED = "excluded", "Excluded"  # not sent on purpose: consent, no address...


class MessageContent(models.Model):
    """What to send, shared by every message of one node: content-addressed (`digest` is the
    SHA-256 of the channel and the canonical JSON body), so a 20,000-profile fan-out writes one
    content row and 20,000 tiny message rows.

    `body` by channel: email `{"subject", "html", "text"}`, push `{"title", "body"}`,
    sms `{"body"}`, action `{"action_id", "params"}`; strings are Jinja2 templates.
    """

    digest = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.channel} content {self.digest[:10]}"


class Message(models.Model):
    """One outbox record: one message on one channel to one profile.

    `key` says who asked for it (e.g. `run:42:first:email`); it is unique, so asking twice never
    sends twice. Life cycle: pending → sending → sent | failed | excluded (a retry goes back to
    pending with a later `next_attempt_at`). A worker claims pending rows under a lease
    (`claim_token`, `lease_expires_at`); `sending` is written, and committed, right before the
    provider is called, so after a crash only those rows are in doubt (see delivery.py).
    """

    key = models.CharField(max_length=200, unique=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # No database-level foreign keys on the two columns every fan-out row carries: they cost a
    # trigger per inserted row (a third of an INSERT … SELECT). Deleting a profile through the
    # ORM still cascades; delivery excludes a message whose profile is gone ("profile deleted").
    profile = models.ForeignKey(
        "audiences.Profile", on_delete=models.CASCADE, related_name="messages", db_constraint=False
    )
    content = models.ForeignKey(
        MessageContent, on_delete=models.PROTECT, related_name="messages", db_constraint=False
    )
    context = models.JSONField(
        null=True, blank=True, help_text="Run context for rendering, e.g. the entry event."
    )
    run_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    node_id = models.CharField(max_length=100, blank=True, default="")
    journey_version_id = models.BigIntegerField(null=True, blank=True)
    is_test = models.BooleanField(default=False)

    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claim_token = models.CharField(max_length=32, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    in_doubt = models.BooleanField(
        default=False, help_text="A worker died while sending it; re-sent with the same Message-ID."
    )
    provider_id = models.CharField(
        max_length=255, blank=True, default="", help_text="Message-ID, FCM name, SMS sid."
    )
    provider_response = models.TextField(blank=True, default="")
    reason = models.TextField(blank=True, default="")

    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # delivery.claim_batch: due pending rows per channel, oldest first
            models.Index(
                fields=["channel", "next_attempt_at"],
                name="message_due",
                condition=Q(status="pending"),
            ),
            # delivery.release_lost_sends: rows a dead worker left in `sending`
            models.Index(
                fields=["lease_expires_at"], name="message_sending", condition=Q(status="sending")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk} to profile {self.profile_id} ({self.status})"


class ReactionKind(models.TextChoices):
    OPENED = "opened", "Opened"
    CLICKED = "clicked", "Clicked"


class Reaction(models.Model):
    """A kind of reaction to a message: one row per (message, kind), repeats counted."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    kind = models.CharField(max_length=10, choices=ReactionKind.choices)
    count = models.PositiveIntegerField(default=1)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    url = models.TextField(blank=True, default="", help_text="First link clicked.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "kind"], name="reaction_unique_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} ×{self.count} (message {self.message_id})"


class Unsubscribe(models.Model):
    """A profile said stop on a channel. It wins over any later consent flag in imports."""

    profile = models.ForeignKey(
        "audiences.Profile", on_delete=models.CASCADE, related_name="unsubscribes"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "channel"], name="unsubscribe_unique")
        ]

    def __str__(self) -> str:
        return f"profile {self.profile_id} unsubscribed from {self.channel}"


class ChannelSettings(models.Model):
    """Per-channel sender configuration (admin): who the message comes from."""

    channel = models.CharField(max_length=10, choices=Channel.choices, unique=True)
    sender_name = models.CharField(
        max_length=100, blank=True, default="", help_text="Email: display name."
    )
    sender_address = models.CharField(
        max_length=255, blank=True, default="", help_text="Email: from address. SMS: from number."
    )
    reply_to = models.EmailField(blank=True, default="")
    project_id = models.CharField(
        max_length=100, blank=True, default="", help_text="Push: FCM project id."
    )
    credential = models.CharField(
        max_length=500,
        blank=True,
        default="",
        help_text="Push: bearer token. SMS: user:password. Never shown back.",
    )

    class Meta:
        verbose_name_plural = "channel settings"

    def __str__(self) -> str:
        return f"{self.get_channel_display()} settings"


class HttpMethod(models.TextChoices):
    POST = "POST", "POST"
    PUT = "PUT", "PUT"
    GET = "GET", "GET"


class CustomAction(models.Model):
    """An HTTP call an admin configured, used by journeys' `action` activities.

    `headers`: `[{"name": "Authorization", "value": "...", "secret": true}]` — secret values are
    never shown back. `payload_template`: Jinja2 producing JSON, with `params.<name>` for each of
    `parameters`, plus `profile` and `event`.
    """

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True, default="")
    method = models.CharField(max_length=6, choices=HttpMethod.choices, default=HttpMethod.POST)
    url = models.URLField(max_length=1000, help_text="Static URL; port 80 or 443.")
    headers = models.JSONField(default=list, blank=True)
    parameters = models.JSONField(
        default=list, blank=True, help_text='Named parameters, e.g. ["coupon"].'
    )
    payload_template = models.TextField(
        blank=True,
        default="",
        help_text='e.g. {"email": {{ profile.email | tojson }}, "coupon": {{ params.coupon | tojson }}}',
    )
    timeout_seconds = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    max_calls_per_minute = models.PositiveIntegerField(
        default=600,
        validators=[MinValueValidator(1)],
        help_text="Cap per host, all actions to that host.",
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(timeout_seconds__gte=1, timeout_seconds__lte=30),
                name="custom_action_timeout_range",
            )
        ]

    def __str__(self) -> str:
        return self.name


class HostCallWindow(models.Model):
    """Calls made to one host in one minute (the per-host cap of custom actions)."""

    host = models.CharField(max_length=255)
    window_start = models.DateTimeField()
    calls = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["host", "window_start"], name="host_call_window_unique")
        ]

    def __str__(self) -> str:
        return f"{self.host} at {self.window_start:%H:%M}: {self.calls} calls"


__all__ = [
    "Channel",
    "ChannelSettings",
    "CustomAction",
    "HostCallWindow",
    "HttpMethod",
    "Message",
    "MessageContent",
    "MessageStatus",
    "Reaction",
    "ReactionKind",
    "Unsubscribe",
]
