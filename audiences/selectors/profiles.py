"""Profile reads: the representation shared by the API and the pages, look-ups, and the
search/filter/paging of the profile list, built to stay fast on millions of rows (keyset
paging, index-friendly prefix search, estimated counts, a loose index scan for cities)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet, prefetch_related_objects

from audiences.models import Identity, Profile
from audiences.services.profile_input import normalize_identity

COUNT_CAP = 10_000  # filtered lists count up to this, then say "10,000+"
SPARSE_LIMIT = 2_000  # a search matching fewer rows is paged in Python (see _page_of)


def profile_representation(profile: Profile) -> dict[str, Any]:
    """The API shape (same as the upsert payload, plus id and timestamps). Custom attributes
    sit next to the core ones in `attributes`. Expects identities prefetched."""
    attributes = dict(profile.attributes or {})
    attributes.update(
        first_name=profile.first_name,
        last_name=profile.last_name,
        city=profile.city,
        birth_year=profile.birth_year,
        timezone=profile.timezone,
    )
    return {
        "id": profile.pk,
        "identities": {
            i.namespace: i.value
            for i in sorted(profile.identities.all(), key=lambda i: i.namespace)
        },
        "attributes": attributes,
        "push_tokens": list(profile.push_tokens or []),
        "phone": profile.phone,
        "consent": {
            "email": profile.consent_email,
            "push": profile.consent_push,
            "sms": profile.consent_sms,
        },
        "is_test": profile.is_test,
        "created_at": profile.created_at,
        "updated_at": profile.updated_at,
    }


def profiles_with_identities() -> QuerySet[Profile]:
    return Profile.objects.prefetch_related("identities")


def profile_get(*, profile_id: int) -> Profile | None:
    return profiles_with_identities().filter(pk=profile_id).first()


def profile_by_identity(*, namespace: str, value: str) -> Profile | None:
    """The profile holding `namespace:value` (value normalised like on write)."""
    try:
        value = normalize_identity(namespace, value)
    except ValueError:
        return None
    identity = Identity.objects.filter(namespace=namespace, value=value).only("profile_id").first()
    return profile_get(profile_id=identity.profile_id) if identity else None


def profiles_representations(profile_ids: Iterable[int]) -> list[dict[str, Any]]:
    ids = list(profile_ids)
    by_id = {p.pk: p for p in profiles_with_identities().filter(pk__in=ids)}
    return [profile_representation(by_id[pid]) for pid in ids if pid in by_id]


def profile_cities(*, limit: int = 500) -> list[str]:
    """Distinct non-empty cities, sorted. A recursive "loose index scan" over the (city, …)
    index: one index probe per city instead of reading a million rows."""
    table = Profile._meta.db_table
    sql = (
        f"WITH RECURSIVE c(city) AS ("
        f" SELECT MIN(city) FROM {table} WHERE city > ''"
        f" UNION ALL"
        f" SELECT (SELECT MIN(city) FROM {table} WHERE city > c.city) FROM c WHERE c.city IS NOT NULL"
        f") SELECT city FROM c WHERE city IS NOT NULL LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [limit])
        return [row[0] for row in cursor.fetchall()]


def profile_count_estimate() -> tuple[int, bool]:
    """All profiles without COUNT(*) over a big table: PostgreSQL's planner estimate once
    there are 100,000 or more (returns `(count, is_estimate)`), an exact count below."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [Profile._meta.db_table],
            )
            row = cursor.fetchone()
        estimate = int(row[0]) if row else -1
        if estimate >= 100_000:
            return estimate, True
    return Profile.objects.count(), False


def search_q(query: str) -> Q:
    """What the search box matches: an identity value (emails, CRM ids, phones: exact or
    prefix) or a first/last name prefix. Every branch is an index range scan."""
    condition = Q()
    for part in search_parts(query):
        condition |= part
    return condition


def search_parts(query: str) -> list[Q]:
    """The branches of `search_q`, kept apart so a page can fetch each along its own index
    (an OR of them ordered by id lets PostgreSQL walk the whole primary key instead)."""
    query = " ".join(query.split())
    if not query:
        return []
    identity_ids = Identity.objects.filter(
        Q(value__startswith=query) | Q(value__startswith=query.lower())
    ).values_list("profile_id", flat=True)[:1000]
    words = query.split(" ")
    if len(words) >= 2:
        first, last = words[0], " ".join(words[1:])
        names = _prefix_q("first_name", first) & _prefix_q("last_name", last)
        names |= _prefix_q("last_name", first) & _prefix_q("first_name", last)
    else:
        names = _prefix_q("last_name", query) | _prefix_q("first_name", query)
    return [Q(pk__in=list(identity_ids)), names]


def _prefix_q(column: str, text: str) -> Q:
    """Case variants as typed, Capitalised and lower-case: names are stored as people write
    them, and a case-sensitive prefix keeps to the index."""
    variants = {text, text[:1].upper() + text[1:], text.lower(), text.title()}
    q = Q()
    for variant in variants:
        q |= Q(**{f"{column}__startswith": variant})
    return q


def _page_of(ordered_qs: QuerySet[Profile], size: int, *, sparse: bool) -> list[Profile]:
    """The first `size` rows of an id-ordered query. A search may match few rows anywhere in
    the table, where walking the primary key in order would read all of it: so first collect
    up to SPARSE_LIMIT matching ids along the search indexes (no order), and only when there
    are more than that (dense matches, found quickly in id order) run the ordered query."""
    if sparse:
        ids = list(ordered_qs.order_by().values_list("pk", flat=True)[: SPARSE_LIMIT + 1])
        if len(ids) <= SPARSE_LIMIT:
            descending = str(ordered_qs.query.order_by[0]).startswith("-")
            wanted = sorted(ids, reverse=descending)[:size]
            by_id = Profile.objects.in_bulk(wanted)
            return [by_id[pk] for pk in wanted if pk in by_id]
    return list(ordered_qs[:size])


@dataclass
class ProfilePage:
    profiles: list[Profile]
    newer_cursor: int | None  # ?before=<id> shows the page of newer profiles
    older_cursor: int | None  # ?after=<id> shows the page of older profiles
    count: int
    count_is_estimate: bool
    count_capped: bool


def profile_list_page(
    *,
    query: str = "",
    city: str = "",
    is_test: bool | None = None,
    after: int | None = None,
    before: int | None = None,
    page_size: int = 50,
) -> ProfilePage:
    """One page of the profile list, newest first, paged by id (keyset) so page 2,000 costs
    what page 1 does. The count is an estimate when unfiltered, counted up to COUNT_CAP else."""
    filtered = Profile.objects.all()
    if city:
        filtered = filtered.filter(city=city)
    if is_test is not None:
        filtered = filtered.filter(is_test=is_test)
    parts = search_parts(query) if query else [Q()]

    rows_by_id: dict[int, Profile] = {}
    for part in parts:  # each branch along its own index, merged here
        part_qs = filtered.filter(part)
        if before is not None:
            part_qs = part_qs.filter(pk__gt=before).order_by("pk")
        else:
            part_qs = part_qs.filter(pk__lt=after) if after is not None else part_qs
            part_qs = part_qs.order_by("-pk")
        rows_by_id.update((p.pk, p) for p in _page_of(part_qs, page_size + 1, sparse=bool(query)))
    ordered = sorted(rows_by_id.values(), key=lambda p: p.pk, reverse=before is None)[
        : page_size + 1
    ]
    prefetch_related_objects(ordered, "identities")
    if before is not None:
        has_more_newer = len(ordered) > page_size
        rows = list(reversed(ordered[:page_size]))
        has_more_older = True
    else:
        has_more_older = len(ordered) > page_size
        rows = ordered[:page_size]
        has_more_newer = after is not None
    if query:
        filtered = filtered.filter(search_q(query))
    unfiltered = not query and not city and is_test is None
    if unfiltered:
        (count, estimate), capped = profile_count_estimate(), False
    else:
        count = filtered.order_by()[: COUNT_CAP + 1].count()
        estimate, capped = False, count > COUNT_CAP
        count = min(count, COUNT_CAP)
    return ProfilePage(
        profiles=rows,
        newer_cursor=rows[0].pk if rows and has_more_newer else None,
        older_cursor=rows[-1].pk if rows and has_more_older else None,
        count=count,
        count_is_estimate=estimate,
        count_capped=capped,
    )
