"""Journey engine on 1,000,000 profiles, ~30 % of them in the audience (PostgreSQL).

- `read_audience_per_s`: a read audience at rate 20,000 (the highest a marketer can set): every
  member entered — run inserted, first message (email + push) queued in the outbox, the race's
  1-day timeout timer set — per second of wall time, paced batches included. Run the way the
  beat runs it: the read's shards processed by two workers (threads here) side by side.
- `read_audience_limit_ratio`: that figure over a plain `INSERT … SELECT` of the same rows
  (run-shaped, into a bare table) measured in the same run: the machine's limit.
- `read_audience_capacity_per_s`: the same entries with no pacing (two workers entering the
  audience's two halves in batches of 10,000 as fast as they can): the headroom above the
  highest rate a marketer can set, which the paced figure cannot show (it stays at the rate).
- `timer_sweep_per_s`: 100,000 due race timeouts advanced by `timers_sweep` (two workers):
  each run takes the timeout path, gets its reminder queued and parks listening for a purchase.
- `event_to_step_p95_ms`: purchases ingested at 1,000 events/s through the events service
  (the API's path after HTTP) for runs listening for them; a real Celery worker process moves
  the runs; p95 of (step recorded − ingestion started).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.db import connection, connections
from django.utils import timezone

from benchmarks.data import ensure_profiles
from config.celery import worker_command
from journeys.demo import seed_definition

PROFILES = 1_000_000
AUDIENCE_NAME = "Bench engine: born after 1990"
AUDIENCE_RULE = {"field": "birth_year", "op": "gt", "value": 1990}  # 18 of 59 birth years: ~30 %
RATE = 20_000
SWEEP_TIMERS = 100_000
EVENTS_PER_SECOND = 1_000
EVENT_SECONDS = 10


def definition(audience_id: int) -> dict:
    """The seed journey (the demo's), reading `audience_id` at the highest rate a marketer can set."""
    document = seed_definition(audience_id)
    document["nodes"][0]["config"]["rate"] = RATE
    return {"nodes": document["nodes"], "edges": document["edges"]}


def _reset() -> None:
    """Empty the engine's and the outbox's tables (the bench database only)."""
    from journeys.models import Journey

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE journeys_run, journeys_step, journeys_timer, journeys_audienceread, journeys_entrydiscard, "
            "journeys_audiencemembership, journeys_message CASCADE"
        )
    Journey.objects.filter(name__startswith="Bench engine").delete()


def _publish(audience_id: int):
    from journeys.engine import lifecycle
    from journeys.models import Journey, JourneyVersion
    from journeys.validation import parse_properties

    properties = {"reentrance": {"allowed": False}, "timezone": "UTC"}
    journey = Journey.objects.create(
        name="Bench engine", properties=properties, **parse_properties(properties)
    )
    version = JourneyVersion.objects.create(
        journey=journey, number=1, status="live", definition=definition(audience_id)
    )
    lifecycle.version_published(version)
    return version


def _in_threads(work, count: int = 2) -> None:
    """`work(index)` in `count` threads side by side (each with its own connection)."""

    def target(index: int) -> None:
        try:
            work(index)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _read_audience(version) -> tuple[int, float]:
    """Drive the read the way beat ticks do, two workers; returns (entered, seconds)."""
    from journeys.engine.entries import audience_reads_sweep
    from journeys.models import AudienceRead

    _connect_broker()

    def worker(_: int) -> None:
        while AudienceRead.objects.filter(version=version, status="pending").exists():
            if not audience_reads_sweep(budget_seconds=0.5):
                time.sleep(0.005)

    started = time.perf_counter()
    _in_threads(worker)
    elapsed = time.perf_counter() - started
    return sum(
        AudienceRead.objects.filter(version=version).values_list("entered", flat=True)
    ), elapsed


def _connect_broker() -> None:
    """Open the broker connection first, as a running worker has it: a batch's commit queues
    delivery, and the very first send of a process loads the broker's transport (0.3 s here,
    where Python compiles without cached bytecode) — a lag a paced read never makes up."""
    from config.celery import app

    with app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1)


def _plain_insert_select() -> tuple[int, float]:
    """The same rows, run-shaped, into a bare table: one INSERT … SELECT."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_plain_runs")
        cursor.execute(
            "CREATE TABLE bench_plain_runs (id bigserial PRIMARY KEY, profile_id bigint, journey_id bigint, "
            "version_id bigint, status varchar(10), node varchar(100), state varchar(10), context jsonb, "
            "is_test boolean, revision integer, entered_at timestamptz, updated_at timestamptz)"
        )
        started = time.perf_counter()
        cursor.execute(
            "INSERT INTO bench_plain_runs (profile_id, journey_id, version_id, status, node, state, context, is_test, "
            "revision, entered_at, updated_at) SELECT id, 1, 1, 'active', 'first', 'listening', '{}', false, 1, "
            "now(), now() FROM audiences_profile WHERE birth_year > 1990"
        )
        rows = cursor.rowcount
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_plain_runs")
    return rows, elapsed


def _timer_sweep() -> tuple[int, float]:
    from journeys.engine.timers import timers_sweep

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE journeys_timer SET due_at = now() - interval '1 second' WHERE id IN "
            "(SELECT id FROM journeys_timer WHERE status = 'pending' ORDER BY id LIMIT %s)",
            [SWEEP_TIMERS],
        )
        cursor.execute("VACUUM ANALYZE journeys_timer")
    now = timezone.now()
    handled = [0, 0]

    def worker(index: int) -> None:
        while True:
            count = timers_sweep(now=now, budget_seconds=5)
            handled[index] += count
            if not count:
                return

    started = time.perf_counter()
    _in_threads(worker)
    return sum(handled), time.perf_counter() - started


def _capacity(audience_id: int) -> tuple[int, float]:
    """Enter the whole audience again into a fresh version with no pacing: two threads, each
    its half of the members, 10,000 per `enter_profiles` call; returns (entered, seconds)."""
    from audiences.models import Audience
    from journeys.engine import adapters
    from journeys.engine.entries import audience_member_ids, enter_profiles, member_id_quantiles
    from journeys.models import AudienceRead

    _reset()
    version = _publish(audience_id)
    AudienceRead.objects.filter(version=version).delete()  # entered by hand below
    rule = Audience.objects.get(pk=audience_id).rule
    (middle,) = member_id_quantiles(rule, 2)
    halves = [
        audience_member_ids(rule, limit=PROFILES, until=middle),
        audience_member_ids(rule, after=middle, limit=PROFILES),
    ]
    entered = [0, 0]

    def worker(index: int) -> None:
        plan = adapters.plan_by_version_id(version.id)
        ids = halves[index]
        for start in range(0, len(ids), 10_000):
            entered[index] += enter_profiles(plan=plan, profile_ids=ids[start : start + 10_000])

    started = time.perf_counter()
    _in_threads(worker)
    return sum(entered), time.perf_counter() - started


def _start_worker() -> subprocess.Popen:
    """A real engine worker (`-Q engine`, 2 processes) on the bench database."""
    root = Path(__file__).resolve().parent.parent
    log_path = root / "var" / "bench-engine-worker.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        worker_command(queues="engine", concurrency=2),
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while (
        " ready." not in log_path.read_text()
        and time.monotonic() < deadline
        and proc.poll() is None
    ):
        time.sleep(0.2)
    return proc


def _event_to_step() -> list[float]:
    """Purchases for runs listening for them, 1,000/s for EVENT_SECONDS; latency per event."""
    from config.celery import app
    from events import demo as events_demo
    from events.services.ingestion import events_ingest
    from journeys.models import Run, Step

    events_demo.load()
    profile_ids = list(
        Run.objects.filter(node="reminder", state="listening")
        .order_by("id")
        .values_list("profile_id", flat=True)[: EVENTS_PER_SECOND * EVENT_SECONDS]
    )
    app.control.purge()
    worker = _start_worker()
    sent_at: dict[int, dt.datetime] = {}
    try:
        chunk, period = 50, 50 / EVENTS_PER_SECOND
        started = time.perf_counter()
        for index in range(0, len(profile_ids), chunk):
            ids = profile_ids[index : index + chunk]
            pause = started + (index // chunk) * period - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            now = timezone.now()
            sent_at.update(dict.fromkeys(ids, now))
            events_ingest(
                items=[
                    {
                        "email": f"bench.p{pid}@example.com",
                        "purchaseMessage": "thank you",
                        "product": "Hat",
                    }
                    for pid in ids
                ]
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if Step.objects.filter(node="purchase").count() >= len(profile_ids):
                break
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(30)
    moved = dict(Step.objects.filter(node="purchase").values_list("run__profile_id", "entered_at"))
    return [
        (moved[pid] - sent_at[pid]).total_seconds() * 1000 for pid in profile_ids if pid in moved
    ]


def run(report) -> None:
    from audiences.models import Audience

    ensure_profiles(PROFILES)
    audience, _ = Audience.objects.update_or_create(
        name=AUDIENCE_NAME, defaults={"rule": AUDIENCE_RULE}
    )
    _reset()
    try:
        _measure(report, audience)
    finally:  # a million queued messages left behind would be the next channels bench's work
        _reset()


def _measure(report, audience) -> None:
    version = _publish(audience.id)
    entered, read_seconds = _read_audience(version)
    read_per_s = entered / read_seconds
    plain_rows, plain_seconds = _plain_insert_select()
    report("read_audience_per_s", read_per_s, "profiles/s")
    # shown in percent: the one-decimal figure of a ratio would round to nothing
    report(
        "read_audience_limit_ratio",
        100 * read_per_s / (plain_rows / plain_seconds),
        "% of a plain INSERT … SELECT",
    )
    handled, sweep_seconds = _timer_sweep()
    report("timer_sweep_per_s", handled / sweep_seconds, "timers/s")
    latencies = sorted(_event_to_step())
    p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else float("nan")
    report("event_to_step_p95_ms", p95, "ms")
    capacity_entered, capacity_seconds = _capacity(audience.id)
    report("read_audience_capacity_per_s", capacity_entered / capacity_seconds, "profiles/s")
    print(
        f"# engine: {entered} entered in {read_seconds:.1f}s; {handled} timers in {sweep_seconds:.1f}s; plain insert {plain_rows / plain_seconds:.0f} rows/s; "
        f"{len(latencies)} events moved, median {statistics.median(latencies) if latencies else 0:.0f} ms",
        file=sys.stderr,
    )
