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
SUGGESTION_CACHE_SECONDS = 30


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


def field_value_suggestions(
    *, field: str, prefix: str = "", limit: int = SUGGESTION_LIMIT
) -> list[dict[str, Any]]:
    """The most common values of a profile string column starting with `prefix` (any case),
    with how many profiles have each: `[{"value": "Atlanta", "count": 1204}, ...]`."""
    spec = PROFILE_FIELDS.get(field)
    if spec is None or spec.type != "string" or spec.lookup is None:
        return []
    # A GROUP BY over every profile: cached briefly, as the builder asks on each keystroke.
    key = f"audiences:suggest:{field}:{prefix.lower()}:{limit}"
    cached = cache.get(key)
    if cached is None:
        cached = _value_counts(spec.lookup, prefix, limit)
        cache.set(key, cached, SUGGESTION_CACHE_SECONDS)
    return cached


def _value_counts(column: str, prefix: str, limit: int) -> list[dict[str, Any]]:
    rows = Profile.objects.exclude(**{column: ""})
    if prefix:
        rows = rows.filter(**{f"{column}__istartswith": prefix})
    counted = rows.values(column).order_by().annotate(n=Count("pk")).order_by("-n", column)[:limit]
    return [{"value": row[column], "count": row["n"]} for row in counted]
