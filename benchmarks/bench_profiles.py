"""Profile ingestion on top of 1,000,000 profiles, through the paths integrators use.

`profile_ingest_per_s`: 200,000 new profiles in batches of 1,000 through
`profiles_upsert_batch` (what `POST /api/v1/profiles/batch/` calls), validation included, one
batch after the other (a single client).
`profile_ingest_cpu_bound_per_s`: that run's profiles divided by the CPU time it used (Python
+ its PostgreSQL backend, both on one core in turn): what an idle machine gives one client.
`profile_ingest_parallel_per_s`: the same with one stream per CPU core (processes), as API
workers serve concurrent integrator requests.
`profile_ingest_csv_per_s`: 200,000 new profiles from a CSV file through `import_file` (what
`manage.py import_profiles` and the upload page's task call).
`profile_update_per_s`: 50,000 of those profiles sent again with a changed city (matched path).
The profiles created here are deleted afterwards, so the database stays at its 1,000,000.
"""

from __future__ import annotations

import csv
import multiprocessing
import os
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


def _batch_ingest(run: str) -> tuple[float, float | None]:
    """Wall-clock rate, and the rate the CPU work alone allows (this process + its PostgreSQL
    backend, when the server is local): a figure a busy shared machine does not distort."""
    batches = [
        [_item(run, i) for i in range(start, start + BATCH)]
        for start in range(0, NEW_PROFILES, BATCH)
    ]
    backend_cpu = _backend_cpu_reader()
    cpu_start, backend_start = time.process_time(), backend_cpu()
    start = time.perf_counter()
    for items in batches:
        profiles_upsert_batch(items=items)
    wall = time.perf_counter() - start
    backend_end = backend_cpu()
    if backend_start is None or backend_end is None:
        return NEW_PROFILES / wall, None
    cpu = time.process_time() - cpu_start + backend_end - backend_start
    return NEW_PROFILES / wall, NEW_PROFILES / cpu


def _backend_cpu_reader():
    """Seconds of CPU used so far by this connection's PostgreSQL backend (None if remote)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")

    def read() -> float | None:
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    return read


def _stream(run: str, starts: list[int]) -> None:
    """One client process: its share of the batches (connection of its own)."""
    import django

    django.setup()
    for start in starts:
        profiles_upsert_batch(items=[_item(run, i) for i in range(start, start + BATCH)])


def _parallel_ingest(run: str) -> float:
    streams = max(2, os.cpu_count() or 2)
    starts = list(range(0, NEW_PROFILES, BATCH))
    connection.close()  # children must not share this connection
    context = multiprocessing.get_context("fork")
    processes = [
        context.Process(target=_stream, args=(run, starts[k::streams])) for k in range(streams)
    ]
    start = time.perf_counter()
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - start
    assert all(p.exitcode == 0 for p in processes), "an ingest stream failed"
    return NEW_PROFILES / elapsed


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
        wall_rate, cpu_rate = _batch_ingest(run_id)
        report("profile_ingest_per_s", wall_rate, "profiles/s")
        if cpu_rate is not None:
            report("profile_ingest_cpu_bound_per_s", cpu_rate, "profiles/s")
        report("profile_update_per_s", _update(run_id), "profiles/s")
        report("profile_ingest_parallel_per_s", _parallel_ingest(f"{run_id}p"), "profiles/s")
        with tempfile.TemporaryDirectory() as directory:
            report("profile_ingest_csv_per_s", _csv_ingest(run_id, Path(directory)), "profiles/s")
    finally:
        _remove_profiles_after(max_id)
