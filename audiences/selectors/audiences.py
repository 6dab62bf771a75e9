"""Reading audiences and their members. Membership is always computed in SQL from the rule
(`rule_to_q`), never by looping over profiles in Python."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Lower

from audiences.models import Audience, Identity, Profile
from audiences.rules import PROFILE_FIELDS, rule_to_q

SAMPLE_SIZE = 10
SUGGESTION_LIMIT = 12
SUGGESTION_CACHE_SECONDS = 300
SUGGESTION_VALUES = 2000  # most common values kept per field
# Text fields whose values repeat (suggesting phone numbers would help no one).
SUGGESTED_FIELDS = ("first_name", "last_name", "city", "timezone")


def rule_profiles(rule: Any) -> QuerySet[Profile]:
    """Profiles matching a valid rule (a lazy queryset: nothing is read yet)."""
    return Profile.objects.filter(rule_to_q(rule, fields=PROFILE_FIELDS))


def audience_profiles(*, audience: Audience) -> QuerySet[Profile]:
    """The audience's members, as a queryset to count, slice, or stream."""
    return rule_profiles(audience.rule)


def rule_count(rule: Any) -> int:
    return rule_profiles(rule).count()


def audience_count(*, audience: Audience) -> int:
    """How many profiles the audience has now (one `count(*)` over an index)."""
    return rule_count(audience.rule)


def rule_sample(rule: Any, *, size: int = SAMPLE_SIZE) -> list[Profile]:
    """A few matching profiles, each with its `email` (identity) annotated. No ordering: the
    first rows the index scan finds, so it stays fast on millions of profiles."""
    email = Identity.objects.filter(profile=OuterRef("pk"), namespace="email").values("value")[:1]
    return list(rule_profiles(rule).annotate(email=Subquery(email))[:size])


def audience_sample(*, audience: Audience, size: int = SAMPLE_SIZE) -> list[Profile]:
    return rule_sample(audience.rule, size=size)


def audience_list() -> QuerySet[Audience]:
    return Audience.objects.order_by(Lower("name"))


def rule_preview(rule: Any, *, size: int = SAMPLE_SIZE) -> tuple[int, list[Profile]]:
    """The count and a sample of a valid rule, as the builder shows them. No sample query
    when nothing matches (it would scan every profile to find none)."""
    count = rule_count(rule)
    return count, (rule_sample(rule, size=size) if count else [])


def field_value_suggestions(
    *, field: str, prefix: str = "", limit: int = SUGGESTION_LIMIT
) -> list[dict[str, Any]]:
    """The most common values of a profile text column starting with `prefix` (any case),
    with how many profiles have each: `[{"value": "Atlanta", "count": 1204}, ...]`.

    Steps: one GROUP BY over the column gives its most common values (up to
    SUGGESTION_VALUES), cached for a few minutes (it reads every profile: ~0.5 s on a million);
    each keystroke then filters that list in Python."""
    if field not in SUGGESTED_FIELDS:
        return []
    spec = PROFILE_FIELDS[field]
    key = f"audiences:value-counts:{field}"
    counts = cache.get(key)
    if counts is None:
        counts = _value_counts(spec.lookup, SUGGESTION_VALUES)
        cache.set(key, counts, SUGGESTION_CACHE_SECONDS)
    wanted = prefix.casefold()
    return [row for row in counts if row["value"].casefold().startswith(wanted)][:limit]


def _value_counts(column: str, limit: int) -> list[dict[str, Any]]:
    rows = Profile.objects.exclude(**{column: ""}).values(column).order_by()
    counted = rows.annotate(n=Count("pk")).order_by("-n", column)[:limit]
    return [{"value": row[column], "count": row["n"]} for row in counted]
