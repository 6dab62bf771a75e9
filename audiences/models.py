"""Profiles (who we talk to), their identities, and audiences (rules over profiles)."""

from __future__ import annotations

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
            models.Index(fields=["last_name", "first_name"], name="profile_name"),
        ]

    def __str__(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or f"Profile {self.pk}"


class Identity(models.Model):
    """One identifier of a profile in a namespace (`email`, `crm_id`, `phone`, ...).
    A value is unique within its namespace: that is how events and imports find the profile."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="identities")
    namespace = models.SlugField(max_length=50)
    value = models.CharField(max_length=255)

    class Meta:
        verbose_name_plural = "identities"
        constraints = [
            models.UniqueConstraint(fields=["namespace", "value"], name="identity_unique_value"),
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
