"""Execution: runs of profiles through journey versions, their step history, the timer table,
audience reads in progress, qualification memberships and the discarded-entry counters.

The engine's code is `journeys/engine/`; every write here goes through it. Every transition of a
run is a conditional update from the state it expects (see `journeys/engine/walker.py`).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Run(models.Model):
    """One profile's way through one journey version.

    An active run is always parked: `waiting` on a wait timer, or `listening` for the events and
    reactions that follow its node (a race). `revision` grows by one on every transition.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        FINISHED = "finished", "Finished"
        EXITED = "exited", "Exited"
        ERROR = "error", "Error"

    class State(models.TextChoices):
        MOVING = "", "Moving"  # only inside the transaction that moves it
        WAITING = "waiting", "Waiting"
        LISTENING = "listening", "Listening"  # for the events/reactions after its node (a race)
        AWAITING = "awaiting", "Awaiting"  # at an event/reaction reached by a non-default port

    # No database-level FK constraints on the engine's high-volume tables: each would cost a
    # deferred trigger check per row at commit (a 20,000-profile batch: 60,000 for runs alone).
    # The engine inserts runs from existing profiles/versions in the same statement, and
    # deletions go through the ORM, whose CASCADE still removes runs, steps and timers.
    journey = models.ForeignKey(
        "journeys.Journey",
        on_delete=models.CASCADE,
        related_name="runs",
        db_index=False,
        db_constraint=False,
    )
    version = models.ForeignKey(
        "journeys.JourneyVersion",
        on_delete=models.CASCADE,
        related_name="runs",
        db_index=False,
        db_constraint=False,
    )
    profile = models.ForeignKey(
        "audiences.Profile",
        on_delete=models.CASCADE,
        related_name="journey_runs",
        db_index=False,
        db_constraint=False,
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    node = models.CharField(max_length=100, help_text="The node the run is at (or ended at).")
    state = models.CharField(max_length=10, choices=State.choices, default="", blank=True)
    context = models.JSONField(
        default=dict,
        blank=True,
        help_text='{"entry": {"event": "purchase", "event_id": 7}, "event": {"purchase": {...payload}}}',
    )
    is_test = models.BooleanField(default=False, help_text="A run of a version in test mode.")
    revision = models.PositiveIntegerField(default=0)
    entered_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="", help_text="Why the run ended in error.")
    exit_reason = models.CharField(
        max_length=30,
        blank=True,
        default="",
        help_text="stopped | journey_timeout | end_date | test_cleared",
    )

    class Meta:
        constraints = [
            # One active run per profile per journey, across versions (entries.enter_profiles
            # relies on it with ON CONFLICT DO NOTHING). Test runs are kept apart from live ones.
            # Profile first: it also serves races.move_listening_runs (a profile's active runs).
            models.UniqueConstraint(
                fields=["profile", "journey", "is_test"],
                condition=Q(status="active"),
                name="run_one_active",
            ),
        ]
        indexes = [
            # re-entrance checks and the profile page: a profile's runs of a journey
            models.Index(fields=["profile", "journey"], name="run_profile_journey"),
            # lifecycle stop/close and timers.expire_runs: the active runs of a version, by entry
            models.Index(
                fields=["version", "entered_at"],
                condition=Q(status="active"),
                name="run_active_version",
            ),
        ]

    def __str__(self) -> str:
        return f"Run {self.pk} of profile {self.profile_id} at {self.node} ({self.status})"


class Step(models.Model):
    """One node visited by a run: when it arrived, when it left, how (the port it took, or the
    race winner, or `finished` / `exited` / `error` / `journey_timeout`), and any error."""

    run = models.ForeignKey(
        Run, on_delete=models.CASCADE, related_name="steps", db_constraint=False
    )
    version = models.ForeignKey(
        "journeys.JourneyVersion",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    node = models.CharField(max_length=100)
    node_type = models.CharField(max_length=30)
    entered_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=100, blank=True, default="")
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["run", "id"]
        indexes = [
            # reports: entered / exited / errors per node of a version
            models.Index(fields=["version", "node"], name="step_version_node"),
        ]

    def __str__(self) -> str:
        return f"{self.node} ({self.outcome or 'inside'})"


class Timer(models.Model):
    """A wait or a race timeout of a run at a node, due at `due_at`. The beat sweep claims
    pending due timers (timers.timers_sweep) with SKIP LOCKED; one timer per (run, node, kind)."""

    class Kind(models.TextChoices):
        WAIT = "wait", "Wait"
        TIMEOUT = "timeout", "Timeout"  # of the race after the node (run `listening`)
        TIMEOUT_AT = (
            "timeout_at",
            "Timeout at the event",
        )  # of the event/reaction the run is `awaiting` at

    class Status(models.TextChoices):  # a timer that fires is deleted (timers.timers_batch)
        PENDING = "pending", "Pending"
        CANCELLED = "cancelled", "Cancelled"

    # indexed by the unique (run, node, kind) below
    run = models.ForeignKey(
        Run, on_delete=models.CASCADE, related_name="timers", db_index=False, db_constraint=False
    )
    node = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "node", "kind"], name="timer_once_per_node")
        ]
        indexes = [
            # timers.timers_sweep: pending timers by due time (partial: cancelled rows cost nothing)
            models.Index(
                fields=["due_at"], condition=Q(status="pending"), name="timer_pending_due"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.kind} of run {self.run_id} at {self.node} due {self.due_at:%Y-%m-%d %H:%M:%S}"
        )


class AudienceRead(models.Model):
    """One reading of an audience into a version (read audience: once, at an instant, each
    occurrence of a schedule; business event: once per event), or one shard of it. Batches of
    at most `rate` profiles, one per second, each in one transaction with the cursor, so a crash
    redoes at most the batch it was in. `key` makes each occurrence happen once."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    version = models.ForeignKey(
        "journeys.JourneyVersion", on_delete=models.CASCADE, related_name="audience_reads"
    )
    key = models.CharField(
        max_length=100, help_text="once | at:<instant> | schedule:<instant> | event:<id>"
    )
    audience = models.ForeignKey("audiences.Audience", on_delete=models.PROTECT, related_name="+")
    rate = models.PositiveIntegerField(help_text="Profiles per second for this shard.")
    shard = models.PositiveSmallIntegerField(default=0)
    shards = models.PositiveSmallIntegerField(
        default=1,
        help_text="A read is split in ranges of profile ids so workers enter in parallel.",
    )
    until_id = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="Last profile id of this shard's range (none: to the end); it starts after `cursor`.",
    )
    context = models.JSONField(default=dict, blank=True)
    is_test = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    cursor = models.BigIntegerField(default=0, help_text="Last profile id read.")
    next_batch_at = models.DateTimeField()
    entered = models.PositiveIntegerField(default=0)
    discarded = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "key", "shard"], name="audience_read_once")
        ]
        indexes = [
            # entries.audience_reads_sweep: reads with a batch due
            models.Index(
                fields=["next_batch_at"], condition=Q(status="pending"), name="audience_read_due"
            ),
        ]

    def __str__(self) -> str:
        return f"Read of audience {self.audience_id} into version {self.version_id} ({self.key})"


class AudienceMembership(models.Model):
    """Who is in an audience used by a live audience-qualification journey, as last seen: a
    profile change compares the rule's answer with this to detect joining and leaving."""

    audience = models.ForeignKey(
        "audiences.Audience", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    profile = models.ForeignKey(
        "audiences.Profile", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    since = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["audience", "profile"], name="membership_once")
        ]

    def __str__(self) -> str:
        return f"profile {self.profile_id} in audience {self.audience_id}"


class EntryDiscard(models.Model):
    """How many entries a version refused, per reason (the report's `discarded`)."""

    version = models.ForeignKey(
        "journeys.JourneyVersion", on_delete=models.CASCADE, related_name="entry_discards"
    )
    reason = models.CharField(max_length=50)
    is_test = models.BooleanField(default=False)
    count = models.PositiveBigIntegerField(default=0)
    last_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["version", "reason", "is_test"], name="entry_discard_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.count} × {self.reason}"


__all__ = ["AudienceMembership", "AudienceRead", "EntryDiscard", "Run", "Step", "Timer"]
