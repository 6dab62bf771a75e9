"""Benchmark data shared by the benchmarks: `ensure_profiles(n)` fills the bench database with
n varied profiles, set-based (one INSERT … SELECT generate_series per table), and reuses what
is already there, so a second run costs one count.

The spread mirrors the demo data: 13 cities (Atlanta, San Francisco, Seattle among them),
birth years 1950–2008, first/last names, consents (email 90 %, push 2/3, SMS 1/2), push tokens
for push-consenting profiles, one test profile per 1,000, and `email` + `crm_id` identities.
"""

from __future__ import annotations

from django.db import connection, transaction

from audiences.demo import CITIES, FIRST_NAMES, LAST_NAMES

INSERT_PROFILES = """
INSERT INTO audiences_profile (
    first_name, last_name, city, birth_year, timezone, attributes, phone, push_tokens,
    consent_email, consent_push, consent_sms, is_test, created_at, updated_at)
SELECT
    (%(first_names)s::text[])[1 + (g * 7919) %% cardinality(%(first_names)s::text[])],
    (%(last_names)s::text[])[1 + (g * 104729) %% cardinality(%(last_names)s::text[])],
    (%(cities)s::text[])[1 + (g * 2654435761) %% cardinality(%(cities)s::text[])],
    1950 + (g * 40503) %% 59,
    (%(timezones)s::text[])[1 + (g * 2654435761) %% cardinality(%(cities)s::text[])],
    jsonb_build_object('loyalty_tier', (ARRAY['bronze', 'silver', 'gold'])[1 + g %% 3]),
    '+1555' || lpad(g::text, 7, '0'),
    CASE WHEN g %% 3 <> 0 THEN jsonb_build_array('bench-device-' || g) ELSE '[]'::jsonb END,
    g %% 10 <> 0,
    g %% 3 <> 0,
    g %% 2 = 0,
    g %% 1000 = 0,
    now(), now()
FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g
"""
INSERT_IDENTITIES = """
INSERT INTO audiences_identity (profile_id, namespace, value)
SELECT id, 'email', 'bench.p' || id || '@example.com' FROM audiences_profile WHERE id > %(after)s
UNION ALL
SELECT id, 'crm_id', 'B-' || lpad(id::text, 8, '0') FROM audiences_profile WHERE id > %(after)s
"""


def ensure_profiles(n: int) -> int:
    """Make sure the bench database holds at least `n` profiles. Steps: count what is there;
    insert the missing ones and their identities in one transaction; VACUUM ANALYZE so the
    planner knows the new sizes and index-only scans see an up-to-date visibility map.
    Returns how many profiles there are."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), coalesce(max(id), 0) FROM audiences_profile")
        have, max_id = cursor.fetchone()
    if have >= n:
        return have
    cities = list(CITIES)
    params = {
        "first_names": FIRST_NAMES,
        "last_names": LAST_NAMES,
        "cities": cities,
        "timezones": [CITIES[city] for city in cities],
        "first": have + 1,
        "last": n,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(INSERT_PROFILES, params)
        cursor.execute(INSERT_IDENTITIES, {"after": max_id})
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) audiences_profile")
        cursor.execute("VACUUM (ANALYZE) audiences_identity")
    return n
