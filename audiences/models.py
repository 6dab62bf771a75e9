"""Profiles (who we talk to), their identities, and audiences (rules over profiles)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Profile(models.Model):
    """A person. Core attributes are typed columns so audience rules compile to indexed SQL;
    anything else lives in `attributes` (JSON)."""

    first_name = models.CharField(max_length=100, blank=True, default="")
    last_name = models.CharField(max_length=100, blank=True, default="")
    city = models.CharField(max_length=100, blank=True, default="")
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    timezone = models.CharField(max_length=64, blank=True, default="")
    attributes = models.JSONField(default=dict, blank=True)
    phone = models.CharField(max_length=32, blank=True, default="")
    push_tokens = models.JSONField(default=list, blank=True)
    consent_email = models.BooleanField(default=False)
    consent_push = models.BooleanField(default=False)
    consent_sms = models.BooleanField(default=False)
    is_test = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # audience counts: `city in (...) and birth_year > N` is an index-only range scan
            models.Index(fields=["city", "birth_year"], name="profile_city_birth_year"),
            models.Index(fields=["birth_year"], name="profile_birth_year"),
            # profile list search (audiences.selectors.profiles.profile_search): name prefixes
            models.Index(
                fields=["last_name", "first_name"],
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
                name="profile_name",
            ),
            models.Index(
                fields=["first_name"], opclasses=["varchar_pattern_ops"], name="profile_first_name"
            ),
            # the "test profiles" filter and test mode: few rows, so a small partial index
            models.Index(fields=["id"], condition=models.Q(is_test=True), name="profile_test"),
        ]

    def __str__(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or f"Profile {self.pk}"


class Identity(models.Model):
    """One identifier of a profile in a namespace (`email`, `crm_id`, `phone`, ...).
    A value is unique within its namespace: that is how events and imports find the profile."""

    # no index of its own: identity_one_per_namespace (profile, namespace) serves look-ups by profile.
    # No database FK either: its per-row check at commit cost a third of a batch upsert's time.
    # Identities are only written by the profile services, for profiles they created or locked;
    # deletions go through `profiles_delete` (locks the profiles, then the ORM's cascade).
    profile = models.ForeignKey(
        Profile,
        on_delete=models.CASCADE,
        related_name="identities",
        db_index=False,
        db_constraint=False,
    )
    namespace = models.SlugField(max_length=50, db_index=False)  # identity_unique_value covers it
    value = models.CharField(max_length=255)

    class Meta:
        verbose_name_plural = "identities"
        constraints = [
            models.UniqueConstraint(fields=["namespace", "value"], name="identity_unique_value"),
            # one value per namespace: an upsert giving a new email replaces the old one
            models.UniqueConstraint(
                fields=["profile", "namespace"], name="identity_one_per_namespace"
            ),
        ]
        indexes = [
            # profile list search by identity value prefix (profile_search)
            models.Index(
                fields=["value"], opclasses=["varchar_pattern_ops"], name="identity_value_prefix"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.namespace}:{self.value}"


class Audience(models.Model):
    """A named rule over profiles (format: `audiences.rules`)."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True, default="")
    rule = models.JSONField(
        help_text='e.g. {"all": [{"field": "city", "op": "in", "value": ["Atlanta", "Seattle"]}, '
        '{"field": "birth_year", "op": "gt", "value": 1980}]}'
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ImportJob(models.Model):
    """One CSV file of profiles being imported (upload page or `import_profiles`).

    Progress, counts and row errors are written in the same transaction as each chunk of
    profiles, so a worker that dies resumes after `processed_rows` without doubling anything.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed"

    filename = models.CharField(max_length=255)
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(default=0, help_text="Estimated from the line count.")
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(
        default=list,
        blank=True,
        help_text='[{"row": 3, "field": "birth_year", "message": "..."}], first 1,000 kept',
    )
    message = models.TextField(
        blank=True, default="", help_text="Why the whole file failed, if it did."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(100 * self.processed_rows / self.total_rows))
