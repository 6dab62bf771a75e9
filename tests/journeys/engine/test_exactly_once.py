"""Nothing lost, nothing doubled — proven with real processes and real concurrency:

- a worker killed (kill -9) in the middle of a 20,000-profile read audience, restarted: every
  member has exactly one run and exactly one message per message node;
- a worker killed in the middle of a timer sweep (20,000 due timeouts), restarted: every run
  took its timeout path exactly once;
- an event delivered twice through the events API moves a run once;
- reactions racing timeouts (threads on separate connections): each run moves exactly once.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connection, connections
from django.utils import timezone

from audiences.models import Audience, Profile
from journeys.engine import entries, races, timers
from journeys.models import AudienceRead, Message, Run, Step, Timer
from journeys.services import journey_create, journey_publish
from tests.conftest import start_worker, stop_worker
from tests.journeys.factories import EMAIL, PUSH

from .helpers import make_profile
from .workers import kill_hard, start_beat, start_engine_worker, stop, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
TOTAL = 20_000


def many_profiles(count: int, city: str = "Atlanta") -> None:
    """`count` profiles in one statement (no consent: channels excludes them, quickly)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Profile._meta.db_table} (first_name, last_name, city, birth_year, timezone, attributes, "
            "phone, push_tokens, consent_email, consent_push, consent_sms, is_test, created_at, updated_at) "
            "SELECT 'P' || g, '', %s, 1990, '', '{}', '', '[]', false, false, false, false, now(), now() "
            "FROM generate_series(1, %s) AS g",
            [city, count],
        )


def publish(user, document):
    version, _ = journey_create(document=document, user=user)
    journey_publish(journey=version.journey, user=user)
    version.refresh_from_db()
    return version


def engine_transaction_open() -> bool:
    """A worker is inside an engine transaction right now (its batch not committed yet)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND xact_start IS NOT NULL AND query ILIKE '%%journeys_%%'"
        )
        return cursor.fetchone()[0] > 0


def assert_one_message_per_member_and_node(nodes_channels, members):
    for node, channel in nodes_channels:
        per_profile = Counter(
            Message.objects.filter(node_id=node, channel=channel).values_list(
                "profile_id", flat=True
            )
        )
        assert len(per_profile) == members, (
            f"{node}/{channel}: {len(per_profile)} profiles, expected {members}"
        )
        assert set(per_profile.values()) == {1}, f"{node}/{channel}: someone got it twice"


def test_read_audience_killed_mid_way_enters_everyone_exactly_once(user):
    many_profiles(TOTAL)
    many_profiles(500, city="Paris")
    audience = Audience.objects.create(
        name="Atlanta", rule={"field": "city", "op": "eq", "value": "Atlanta"}
    )
    document = {
        "name": "Big read",
        "namespace": "email",
        "properties": {"reentrance": {"allowed": False}},
        "nodes": [
            {
                "id": "start",
                "type": "read_audience",
                "config": {"audience": audience.id, "rate": 4000},
            },
            {"id": "first", "type": "message", "config": {"email": EMAIL, "push": PUSH}},
            {"id": "second", "type": "message", "config": {"email": EMAIL}},
        ],
        "edges": [{"from": "start", "to": "first"}, {"from": "first", "to": "second"}],
    }
    worker, beat = (
        start_engine_worker(log_name="engine-read-1"),
        start_beat(log_name="engine-read-beat"),
    )
    try:
        version = publish(user, document)
        wait_until(
            lambda: Run.objects.filter(version=version).exists() and engine_transaction_open(),
            40,
            "a read batch in flight",
            interval=0.01,
        )
        kill_hard(worker)
        entered_at_kill = Run.objects.filter(version=version).count()
        assert 0 < entered_at_kill < TOTAL  # really in the middle
        worker = start_engine_worker(log_name="engine-read-2")
        wait_until(
            lambda: AudienceRead.objects.get(version=version).status == "done",
            60,
            "the read to finish",
        )
    finally:
        stop(beat)
        stop_worker(worker)
    assert Run.objects.filter(version=version).count() == TOTAL
    assert not Run.objects.filter(profile__city="Paris").exists()
    assert_one_message_per_member_and_node(
        [("first", "email"), ("first", "push"), ("second", "email")], TOTAL
    )
    assert AudienceRead.objects.get(version=version).entered == TOTAL


def test_timer_sweep_killed_mid_way_moves_every_run_exactly_once(user):
    many_profiles(TOTAL)
    audience = Audience.objects.create(
        name="Atlanta", rule={"field": "city", "op": "eq", "value": "Atlanta"}
    )
    document = {
        "name": "Timeouts",
        "namespace": "email",
        "properties": {"reentrance": {"allowed": False}},
        "nodes": [
            {
                "id": "start",
                "type": "read_audience",
                "config": {"audience": audience.id, "rate": 20000},
            },
            {"id": "first", "type": "message", "config": {"email": EMAIL}},
            {
                "id": "opened",
                "type": "reaction",
                "config": {
                    "action": "first",
                    "channel": "email",
                    "reaction": "opened",
                    "timeout": "PT1M",
                },
            },
            {"id": "reminder", "type": "message", "config": {"email": EMAIL}},
        ],
        "edges": [
            {"from": "start", "to": "first"},
            {"from": "first", "to": "opened"},
            {"from": "opened", "to": "reminder", "port": "timeout"},
        ],
    }
    version = publish(user, document)
    assert entries.audience_reads_sweep(budget_seconds=30) == TOTAL
    Timer.objects.update(due_at=timezone.now() - dt.timedelta(seconds=1))  # the minute has passed
    env = {"SENTIER_TIMER_BATCH": "250"}
    worker, beat = (
        start_engine_worker(log_name="engine-sweep-1", extra_env=env),
        start_beat(log_name="engine-sweep-beat"),
    )
    try:
        wait_until(  # a batch committed (its timers are gone) and the next one in flight
            lambda: (
                Timer.objects.filter(status="pending").count() < TOTAL and engine_transaction_open()
            ),
            40,
            "a sweep batch in flight",
            interval=0.01,
        )
        kill_hard(worker)
        done_at_kill = TOTAL - Timer.objects.filter(status="pending").count()
        assert 0 < done_at_kill < TOTAL
        worker = start_engine_worker(log_name="engine-sweep-2", extra_env=env)
        wait_until(
            lambda: not Timer.objects.filter(status="pending").exists(), 60, "every timer handled"
        )
    finally:
        stop(beat)
        stop_worker(worker)
    assert Run.objects.filter(version=version, status="finished", node="reminder").count() == TOTAL
    assert_one_message_per_member_and_node([("reminder", "email")], TOTAL)
    steps = Counter(Step.objects.filter(node="reminder").values_list("run_id", flat=True))
    assert len(steps) == TOTAL and set(steps.values()) == {1}


def test_an_event_delivered_twice_moves_the_run_once(user, api_client):
    from events import demo as events_demo

    events_demo.load()
    ana = make_profile("ana@example.com")
    document = {
        "name": "Thanks",
        "namespace": "email",
        "properties": {"reentrance": {"allowed": False}},
        "nodes": [
            {"id": "signup", "type": "unitary_event", "config": {"event": "purchase"}},
            {"id": "purchase", "type": "event", "config": {"event": "purchase"}},
            {"id": "thanks", "type": "message", "config": {"push": PUSH}},
        ],
        "edges": [{"from": "signup", "to": "purchase"}, {"from": "purchase", "to": "thanks"}],
    }
    publish(user, document)
    worker = start_worker(log_name="engine-twice")
    try:
        payload = {"email": "ana@example.com", "purchaseMessage": "thank you", "product": "Hat"}
        assert api_client.post("/api/v1/events/", payload, format="json").status_code == 202
        wait_until(
            lambda: Run.objects.filter(profile=ana, node="signup", state="listening").exists(),
            20,
            "entry",
        )
        # the same purchase twice at once (two ids: both accepted), and a copy of the first
        batch = [payload | {"_id": "p-1"}, payload | {"_id": "p-2"}]
        assert api_client.post("/api/v1/events/", batch, format="json").status_code == 202
        assert (
            api_client.post("/api/v1/events/", payload | {"_id": "p-1"}, format="json").status_code
            == 202
        )
        wait_until(
            lambda: Run.objects.get(profile=ana).status == "finished", 20, "the run to finish"
        )
    finally:
        stop_worker(worker)
    assert Message.objects.filter(profile=ana, node_id="thanks").count() == 1
    assert Step.objects.filter(run__profile=ana, node="purchase").count() == 1
    assert Run.objects.filter(profile=ana).count() == 1  # re-entrance not allowed: no second run


def test_reactions_racing_timeouts_move_each_run_once(user):
    many_profiles(300)
    audience = Audience.objects.create(
        name="Atlanta", rule={"field": "city", "op": "eq", "value": "Atlanta"}
    )
    document = {
        "name": "Race",
        "namespace": "email",
        "properties": {"reentrance": {"allowed": False}},
        "nodes": [
            {
                "id": "start",
                "type": "read_audience",
                "config": {"audience": audience.id, "rate": 1000},
            },
            {"id": "first", "type": "message", "config": {"email": EMAIL}},
            {
                "id": "opened",
                "type": "reaction",
                "config": {
                    "action": "first",
                    "channel": "email",
                    "reaction": "opened",
                    "timeout": "PT1M",
                },
            },
            {"id": "yay", "type": "message", "config": {"push": PUSH}},
            {"id": "reminder", "type": "message", "config": {"email": EMAIL}},
        ],
        "edges": [
            {"from": "start", "to": "first"},
            {"from": "first", "to": "opened"},
            {"from": "opened", "to": "yay"},
            {"from": "opened", "to": "reminder", "port": "timeout"},
        ],
    }
    publish(user, document)
    entries.audience_reads_sweep()
    run_ids = list(Run.objects.values_list("id", flat=True))
    later = timezone.now() + dt.timedelta(minutes=2)
    start = threading.Barrier(6)

    def react(ids):
        start.wait()
        try:
            for run_id in ids:
                races.reaction_received(
                    run_id=run_id, node_id="first", channel="email", kind="opened"
                )
        finally:
            connections.close_all()

    def sweep():
        start.wait()
        try:
            for _ in range(20):
                timers.timers_sweep(now=later, batch=20)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=react, args=(run_ids[i::3],)) for i in range(3)]
    threads += [threading.Thread(target=sweep) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    timers.timers_sweep(now=later)
    yay = set(Message.objects.filter(node_id="yay").values_list("run_id", flat=True))
    reminded = set(Message.objects.filter(node_id="reminder").values_list("run_id", flat=True))
    assert yay | reminded == set(run_ids)  # everyone moved…
    assert not yay & reminded  # …by exactly one of the two
    assert Step.objects.filter(node="first").exclude(outcome__in=["opened", "timeout"]).count() == 0
    assert Step.objects.filter(node="first").count() == len(run_ids)
