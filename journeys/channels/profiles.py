"""Plain-dict views of profiles for rendering and consent, loaded in batches (3 queries for a
whole delivery batch, never one per message)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from audiences.models import Identity, Profile
from journeys.models import Channel, Unsubscribe

CORE_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "city",
    "birth_year",
    "timezone",
    "phone",
    "is_test",
)
CONSENT_FIELD = {
    Channel.EMAIL: "consent_email",
    Channel.PUSH: "consent_push",
    Channel.SMS: "consent_sms",
}


def profiles_for_delivery(profile_ids: list[int]) -> dict[int, dict[str, Any]]:
    """`{id: {"context": {...template's `profile`}, "email", "phone", "push_tokens",
    "consent": {channel: bool}, "unsubscribed": {channel, ...}}}`."""
    rows = Profile.objects.filter(pk__in=profile_ids).values(
        *CORE_FIELDS, "attributes", "push_tokens", "consent_email", "consent_push", "consent_sms"
    )
    identities: dict[int, dict[str, str]] = defaultdict(dict)
    for profile_id, namespace, value in Identity.objects.filter(
        profile_id__in=profile_ids
    ).values_list("profile_id", "namespace", "value"):
        identities[profile_id][namespace] = value
    unsubscribed: dict[int, set[str]] = defaultdict(set)
    for profile_id, channel in Unsubscribe.objects.filter(profile_id__in=profile_ids).values_list(
        "profile_id", "channel"
    ):
        unsubscribed[profile_id].add(channel)
    out: dict[int, dict[str, Any]] = {}
    for row in rows:
        ids = identities.get(row["id"], {})
        context = {**(row["attributes"] or {}), **{name: row[name] for name in CORE_FIELDS}}
        context["email"] = ids.get("email", "")
        context["identities"] = dict(ids)
        out[row["id"]] = {
            "context": context,
            "email": ids.get("email", ""),
            "phone": row["phone"],
            "push_tokens": [t for t in (row["push_tokens"] or []) if isinstance(t, str) and t],
            "consent": {channel: row[field] for channel, field in CONSENT_FIELD.items()},
            "unsubscribed": unsubscribed.get(row["id"], set()),
        }
    return out


def exclusion_reason(channel: str, profile: dict[str, Any] | None) -> str:
    """Why a message on `channel` must not go to this profile ('' if it may)."""
    if profile is None:
        return "profile deleted"
    if channel == Channel.ACTION:
        return ""
    if channel in profile["unsubscribed"]:
        return f"unsubscribed from {channel}"
    if not profile["consent"].get(channel):
        return f"no {channel} consent"
    if channel == Channel.EMAIL and not profile["email"]:
        return "no email address"
    if channel == Channel.PUSH and not profile["push_tokens"]:
        return "no push device token"
    if channel == Channel.SMS and not profile["phone"]:
        return "no phone number"
    return ""
