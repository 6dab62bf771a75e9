"""Profile ingestion on top of 1,000,000 profiles, through the paths integrators use.

`profile_ingest_per_s`: 200,000 new profiles in batches of 1,000 through
`profiles_upsert_batch` (what `POST /api/v1/profiles/batch/` calls), validation included.
`profile_ingest_csv_per_s`: 200,000 new profiles from a CSV file through `import_file` (what
`manage.py import_profiles` and the upload page's task call).
`profile_update_per_s`: 50,000 of those profiles sent again with a changed city (matched path).
The profiles created here are deleted afterwards, so the database stays at its 1,000,000.
"""

from __future__ import annotations

import csv
import tempfile
import time
import uuid
from pathlib import Path

from django.db import connection

from audiences.services.profile_import import import_file
from audiences.services.profiles import profiles_upsert_batch
from benchmarks.data import ensure_profiles

BASE_PROFILES = 1_000_000
NEW_PROFILES = 200_000
UPDATED_PROFILES = 50_000
BATCH = 1000
CITIES = ["Atlanta", "San Francisco", "Seattle", "Boston", "Denver", "Paris"]


def _item(run: str, i: int) -> dict:
    return {
        "identities": {"email": f"ingest.{run}.{i}@example.com", "crm_id": f"I-{run}-{i}"},
        "attributes": {
            "first_name": "Ana",
            "last_name": f"Lopez{i % 97}",
            "city": CITIES[i % len(CITIES)],
            "birth_year": 1950 + i % 59,
            "timezone": "America/New_York",
            "loyalty_tier": "gold",
        },
        "push_tokens": [f"device-{run}-{i}"],
        "phone": f"+1404{i:07d}",
        "consent": {"email": True, "push": i % 3 != 0, "sms": i % 2 == 0},
        "is_test": False,
    }


def _batch_ingest(run: str) -> float:
    batches = [
        [_item(run, i) for i in range(start, start + BATCH)]
        for start in range(0, NEW_PROFILES, BATCH)
    ]
    start = time.perf_counter()
    for items in batches:
        profiles_upsert_batch(items=items)
    return NEW_PROFILES / (time.perf_counter() - start)


def _update(run: str) -> float:
    batches = [
        [{**_item(run, i), "attributes": {"city": "Chicago"}} for i in range(start, start + BATCH)]
        for start in range(0, UPDATED_PROFILES, BATCH)
    ]
    start = time.perf_counter()
    for items in batches:
        profiles_upsert_batch(items=items)
    return UPDATED_PROFILES / (time.perf_counter() - start)


def _csv_ingest(run: str, directory: Path) -> float:
    path = directory / "profiles.csv"
    columns = [
        "email",
        "crm_id",
        "phone",
        "first_name",
        "last_name",
        "city",
        "birth_year",
        "timezone",
        "consent_email",
        "consent_push",
        "consent_sms",
        "is_test",
        "push_tokens",
        "loyalty_tier",
    ]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for i in range(NEW_PROFILES):
            writer.writerow(
                [
                    f"csv.{run}.{i}@example.com",
                    f"V-{run}-{i}",
                    f"+1404{i:07d}",
                    "Ana",
                    f"Lopez{i % 97}",
                    CITIES[i % len(CITIES)],
                    1950 + i % 59,
                    "America/New_York",
                    "true",
                    "true" if i % 3 else "false",
                    "true" if i % 2 == 0 else "false",
                    "false",
                    f"device-{i};tablet-{i}",
                    "gold",
                ]
            )
    start = time.perf_counter()
    job = import_file(path=path)
    elapsed = time.perf_counter() - start
    assert job.status == "done" and job.created_count == NEW_PROFILES, (
        job.status,
        job.message,
        job.created_count,
    )
    return NEW_PROFILES / elapsed


def _remove_profiles_after(max_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audiences_identity WHERE profile_id > %s", [max_id])
        cursor.execute("DELETE FROM audiences_profile WHERE id > %s", [max_id])
        cursor.execute("DELETE FROM audiences_importjob")
        cursor.execute("VACUUM (ANALYZE) audiences_profile")
        cursor.execute("VACUUM (ANALYZE) audiences_identity")


def run(report) -> None:
    ensure_profiles(BASE_PROFILES)
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM audiences_profile")
        max_id = cursor.fetchone()[0]
    run_id = uuid.uuid4().hex[:8]
    try:
        report("profile_ingest_per_s", _batch_ingest(run_id), "profiles/s")
        report("profile_update_per_s", _update(run_id), "profiles/s")
        with tempfile.TemporaryDirectory() as directory:
            report("profile_ingest_csv_per_s", _csv_ingest(run_id, Path(directory)), "profiles/s")
    finally:
        _remove_profiles_after(max_id)
