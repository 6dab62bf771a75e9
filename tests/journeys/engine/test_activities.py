"""Each activity type's run behaviour, and the entry types, called directly (moved clock)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from audiences.models import Audience, Profile
from journeys.engine import entries, lifecycle, qualification, races, timers
from journeys.engine.history import discard_reasons, profile_runs, version_counts
from journeys.engine.plan import plan_for
from journeys.engine.races import IncomingEvent
from journeys.engine.runners import split_branch
from journeys.models import AudienceRead, Run, Step, Timer

from .helpers import make_profile, make_version, messages

pytestmark = pytest.mark.django_db


def unitary(*nodes, edges, event="signup"):
    return {
        "nodes": [{"id": "in", "type": "unitary_event", "config": {"event": event}}, *nodes],
        "edges": edges,
    }


def signup(profile, event_id=1, **payload):
    return IncomingEvent(
        event_id=event_id,
        name="signup",
        type="unitary",
        profile_id=profile.id,
        payload={"plan": "pro", **payload},
    )


def email(subject="Hi"):
    return {"email": {"subject": subject, "html": "<p>x</p>", "text": "x"}}


def test_unitary_event_enters_with_the_event_as_context():
    ana = make_profile("ana@example.com")
    make_version(
        unitary(
            {"id": "hello", "type": "message", "config": email()},
            edges=[{"from": "in", "to": "hello"}],
        )
    )
    assert races.events_received([signup(ana, 7)]) == 1
    run = Run.objects.get(profile=ana)
    assert run.status == "finished"
    assert run.context["event"]["signup"]["plan"] == "pro"
    assert run.context["entry"] == {"event": "signup", "event_id": 7}
    assert messages(profile=ana, node_id="hello").count() == 1
    # other events do not enter
    other = IncomingEvent(
        event_id=8, name="purchase", type="unitary", profile_id=ana.id, payload={}
    )
    assert races.events_received([other]) == 0


def test_reentrance_not_allowed_and_after_wait_period():
    ana = make_profile("ana@example.com")
    hello = {"id": "hello", "type": "message", "config": email()}
    closed = make_version(unitary(hello, edges=[{"from": "in", "to": "hello"}]), name="once")
    assert races.events_received([signup(ana, 1)]) == 1
    assert races.events_received([signup(ana, 2)]) == 0
    assert discard_reasons(version_id=closed.id) == {"reentrance_not_allowed": 1}
    closed.status = "closed"
    closed.save()
    make_version(
        unitary(hello, edges=[{"from": "in", "to": "hello"}]),
        name="again",
        properties={"reentrance": {"allowed": True, "wait": "PT10M"}},
    )
    now = timezone.now()
    assert races.events_received([signup(ana, 3)], now=now) == 1
    assert races.events_received([signup(ana, 4)], now=now + dt.timedelta(minutes=5)) == 0
    assert races.events_received([signup(ana, 5)], now=now + dt.timedelta(minutes=11)) == 1
    assert messages(profile=ana).count() == 3


def test_condition_first_matching_path_then_other():
    ana = make_profile("ana@example.com", city="Atlanta")
    bob = make_profile("bob@example.com", city="Seattle")
    cid = make_profile("cid@example.com", city="Paris")
    cond = {
        "id": "c",
        "type": "condition",
        "config": {
            "paths": [
                {
                    "label": "big spender",
                    "rule": {"field": "event.signup.amount", "op": "gt", "value": 100},
                },
                {
                    "label": "atlanta",
                    "rule": {"field": "profile.city", "op": "eq", "value": "Atlanta"},
                },
            ],
            "other": True,
        },
    }
    nodes = [cond] + [
        {"id": n, "type": "message", "config": email(n)} for n in ("big", "atl", "rest")
    ]
    make_version(
        unitary(
            *nodes,
            edges=[
                {"from": "in", "to": "c"},
                {"from": "c", "to": "big", "port": "path-1"},
                {"from": "c", "to": "atl", "port": "path-2"},
                {"from": "c", "to": "rest", "port": "other"},
            ],
        )
    )
    races.events_received([signup(ana, 1, amount=500), signup(bob, 2, amount=5), signup(cid, 3)])
    assert list(messages(profile=ana).values_list("node_id", flat=True)) == ["big"]
    assert list(messages(profile=bob).values_list("node_id", flat=True)) == ["rest"]
    assert list(messages(profile=cid).values_list("node_id", flat=True)) == ["rest"]
    ana2 = make_profile("ana2@example.com", city="Atlanta")
    races.events_received([signup(ana2, 4, amount=1)])
    assert list(messages(profile=ana2).values_list("node_id", flat=True)) == ["atl"]


def test_split_is_deterministic_and_follows_weights():
    profiles = [make_profile(f"p{i}@example.com") for i in range(200)]
    nodes = [
        {"id": "s", "type": "split", "config": {"weights": [80, 20]}},
        {"id": "a", "type": "message", "config": email("a")},
        {"id": "b", "type": "message", "config": email("b")},
    ]
    make_version(
        unitary(
            *nodes,
            edges=[
                {"from": "in", "to": "s"},
                {"from": "s", "to": "a", "port": "path-1"},
                {"from": "s", "to": "b", "port": "path-2"},
            ],
        )
    )
    races.events_received([signup(p, i) for i, p in enumerate(profiles)])
    on_a = messages(node_id="a").count()
    assert 130 <= on_a <= 185 and on_a + messages(node_id="b").count() == 200
    for p in profiles[:20]:
        expected = "a" if split_branch(p.id, "s", [80, 20]) == 1 else "b"
        assert messages(profile=p).get().node_id == expected


def test_wait_duration_and_until_in_journey_time_zone():
    ana = make_profile("ana@example.com")
    nodes = [
        {"id": "w", "type": "wait", "config": {"duration": "PT2H"}},
        {"id": "u", "type": "wait", "config": {"until": "2031-01-05T09:00:00"}},
        {"id": "m", "type": "message", "config": email()},
    ]
    make_version(
        unitary(
            *nodes,
            edges=[{"from": "in", "to": "w"}, {"from": "w", "to": "u"}, {"from": "u", "to": "m"}],
        ),
        properties={"timezone": "America/New_York"},
    )
    now = timezone.now()
    races.events_received([signup(ana)], now=now)
    run = Run.objects.get(profile=ana)
    assert (run.node, run.state) == ("w", "waiting")
    assert timers.timers_sweep(now=now + dt.timedelta(hours=1)) == 0
    assert timers.timers_sweep(now=now + dt.timedelta(hours=2, seconds=1)) == 1
    run.refresh_from_db()
    assert (run.node, run.state) == ("u", "waiting")
    due = Timer.objects.get(run=run, node="u").due_at
    assert due == dt.datetime(2031, 1, 5, 14, 0, tzinfo=dt.UTC)  # 09:00 in New York
    timers.timers_sweep(now=due)
    assert messages(profile=ana, node_id="m").count() == 1
    assert Run.objects.get(profile=ana).status == "finished"


def test_test_mode_wait_seconds_and_only_test_profiles():
    ana = make_profile("ana@example.com")
    tester = make_profile("tester@example.com", is_test=True)
    nodes = [
        {"id": "w", "type": "wait", "config": {"duration": "P30D"}},
        {"id": "e", "type": "event", "config": {"event": "purchase", "timeout": "P5D"}},
        {"id": "m", "type": "message", "config": email()},
    ]
    version = make_version(
        unitary(
            *nodes,
            edges=[
                {"from": "in", "to": "w"},
                {"from": "w", "to": "e"},
                {"from": "e", "to": "m", "port": "timeout"},
            ],
        ),
        status="test",
        wait_seconds=10,
    )
    now = timezone.now()
    races.events_received([signup(ana, 1), signup(tester, 2)], now=now)
    assert not Run.objects.filter(profile=ana).exists()
    assert discard_reasons(version_id=version.id, is_test=True) == {"not_a_test_profile": 1}
    run = Run.objects.get(profile=tester)
    assert run.is_test
    assert Timer.objects.get(run=run).due_at == now + dt.timedelta(seconds=10)
    timers.timers_sweep(now=now + dt.timedelta(seconds=10))
    assert Timer.objects.get(run=run, kind="timeout").due_at == now + dt.timedelta(seconds=20)
    timers.timers_sweep(now=now + dt.timedelta(seconds=20))
    assert messages(profile=tester, node_id="m", is_test=True).count() == 1
    assert lifecycle.test_stopped(version) >= 1
    assert not Run.objects.filter(version=version).exists()


def test_update_profile_sets_attributes_from_the_event():
    ana = make_profile("ana@example.com")
    node = {
        "id": "up",
        "type": "update_profile",
        "config": {
            "attributes": {"city": "Seattle", "plan": "{{ event.signup.plan }}", "vip": True}
        },
    }
    make_version(unitary(node, edges=[{"from": "in", "to": "up"}]))
    races.events_received([signup(ana)])
    ana.refresh_from_db()
    assert ana.city == "Seattle"
    assert ana.attributes["plan"] == "pro" and ana.attributes["vip"] is True


def test_failing_activity_takes_error_path_or_ends_in_error():
    ana = make_profile("ana@example.com")
    bob = make_profile("bob@example.com")
    bad = {
        "id": "up",
        "type": "update_profile",
        "config": {"attributes": {"birth_year": "not a year"}},
    }
    with_path = make_version(
        unitary(
            bad,
            {"id": "oops", "type": "message", "config": email("oops")},
            edges=[{"from": "in", "to": "up"}, {"from": "up", "to": "oops", "port": "error"}],
        )
    )
    races.events_received([signup(ana)])
    assert messages(profile=ana, node_id="oops").count() == 1
    step = Step.objects.get(run__profile=ana, node="up")
    assert step.outcome == "error" and "birth_year" in step.error
    with_path.status = "closed"
    with_path.save()
    make_version(unitary(bad, edges=[{"from": "in", "to": "up"}]), name="no error path")
    races.events_received([signup(bob, 2)])
    run = Run.objects.get(profile=bob)
    assert run.status == "error" and "birth_year" in run.error
    Profile.objects.get(pk=bob.pk)  # nothing half-written


def test_join_of_paths_and_end():
    ana = make_profile("ana@example.com")
    nodes = [
        {"id": "s", "type": "split", "config": {"weights": [1, 1]}},
        {"id": "j", "type": "message", "config": email("joined")},
        {"id": "x", "type": "end", "config": {}},
    ]
    make_version(
        unitary(
            *nodes,
            edges=[
                {"from": "in", "to": "s"},
                {"from": "s", "to": "j", "port": "path-1"},
                {"from": "s", "to": "j", "port": "path-2"},
                {"from": "j", "to": "x"},
            ],
        )
    )
    races.events_received([signup(ana)])
    run = profile_runs(profile_id=ana.id)[0]
    assert [s["node"] for s in run["steps"]] == ["in", "s", "j", "x"]
    assert run["status"] == "finished" and run["steps"][-1]["outcome"] == "finished"


def test_jump_enters_another_unitary_journey():
    ana = make_profile("ana@example.com")
    target = make_version(
        unitary(
            {"id": "t", "type": "message", "config": email("target")},
            edges=[{"from": "in", "to": "t"}],
            event="other",
        ),
        name="target",
    )
    make_version(
        unitary(
            {"id": "go", "type": "jump", "config": {"journey": target.journey_id}},
            edges=[{"from": "in", "to": "go"}],
        ),
        name="source",
    )
    races.events_received([signup(ana)])
    assert messages(profile=ana, node_id="t").count() == 1
    assert Run.objects.get(profile=ana, version=target).context["event"]["signup"]["plan"] == "pro"


def test_business_event_reads_the_audience_once_per_event():
    audience = Audience.objects.create(
        name="Atlanta", rule={"field": "city", "op": "eq", "value": "Atlanta"}
    )
    members = [make_profile(f"a{i}@example.com") for i in range(3)]
    make_profile("s@example.com", city="Seattle")
    definition = {
        "nodes": [
            {"id": "b", "type": "business_event", "config": {"event": "stock_low"}},
            {"id": "r", "type": "read_audience", "config": {"audience": audience.id, "rate": 500}},
            {
                "id": "m",
                "type": "message",
                "config": email("{{ event.stock_low.product }} is back"),
            },
        ],
        "edges": [{"from": "b", "to": "r"}, {"from": "r", "to": "m"}],
    }
    make_version(definition, properties={"reentrance": {"allowed": True, "wait": "PT1S"}})
    event = IncomingEvent(
        event_id=9, name="stock_low", type="business", profile_id=None, payload={"product": "Hat"}
    )
    races.events_received([event])
    races.events_received([event])  # delivered twice: one read
    assert AudienceRead.objects.count() == 1
    entries.audience_reads_sweep(now=timezone.now() + dt.timedelta(seconds=1))
    assert messages(node_id="m").count() == 3
    assert {m.profile_id for m in messages(node_id="m")} == {p.id for p in members}
    assert messages(node_id="m").first().context["event"]["stock_low"]["product"] == "Hat"


def test_audience_qualification_enter_and_exit():
    audience = Audience.objects.create(
        name="VIP", rule={"field": "city", "op": "eq", "value": "Seattle"}
    )
    already = make_profile("already@example.com", city="Seattle")
    ana = make_profile("ana@example.com", city="Atlanta")
    enter = make_version(
        {
            "nodes": [
                {"id": "q", "type": "audience_qualification", "config": {"audience": audience.id}},
                {"id": "m", "type": "message", "config": email("welcome VIP")},
            ],
            "edges": [{"from": "q", "to": "m"}],
        },
        name="enter",
    )
    make_version(
        {
            "nodes": [
                {
                    "id": "q",
                    "type": "audience_qualification",
                    "config": {"audience": audience.id, "behavior": "exit"},
                },
                {"id": "bye", "type": "message", "config": email("bye")},
            ],
            "edges": [{"from": "q", "to": "bye"}],
        },
        name="exit",
    )
    lifecycle.version_published(enter)
    Profile.objects.filter(pk=ana.pk).update(city="Seattle")
    assert qualification.profiles_changed([ana.id, already.id]) == 1
    assert qualification.profiles_changed([ana.id]) == 0  # no change, no entry
    assert messages(profile=ana, node_id="m").count() == 1
    assert not messages(profile=already).exists()
    Profile.objects.filter(pk=ana.pk).update(city="Paris")
    assert qualification.profiles_changed([ana.id]) == 1
    assert messages(profile=ana, node_id="bye").count() == 1


def test_close_stops_entries_but_runs_finish():
    ana = make_profile("ana@example.com")
    nodes = [
        {"id": "w", "type": "wait", "config": {"duration": "PT1H"}},
        {"id": "m", "type": "message", "config": email()},
    ]
    version = make_version(
        unitary(*nodes, edges=[{"from": "in", "to": "w"}, {"from": "w", "to": "m"}])
    )
    races.events_received([signup(ana)])
    version.status = "closed"
    version.save()
    lifecycle.version_closed(version)
    bob = make_profile("bob@example.com")
    assert races.events_received([signup(bob, 2)]) == 0
    timers.timers_sweep(now=timezone.now() + dt.timedelta(hours=2))
    assert messages(profile=ana, node_id="m").count() == 1
    timers.expire_runs_sweep()
    version.refresh_from_db()
    assert version.status == "finished"
    assert version_counts(version_id=version.id)["entered"] == 1


def test_end_date_exits_runs_inside():
    ana = make_profile("ana@example.com")
    end = timezone.now() + dt.timedelta(days=3)
    make_version(
        unitary(
            {"id": "w", "type": "wait", "config": {"duration": "P10D"}},
            edges=[{"from": "in", "to": "w"}],
        ),
        properties={"end": end.isoformat()},
    )
    races.events_received([signup(ana)])
    assert timers.expire_runs_sweep(now=end - dt.timedelta(hours=1)) == 0
    assert timers.expire_runs_sweep(now=end) == 1
    run = Run.objects.get(profile=ana)
    assert (run.status, run.exit_reason) == ("exited", "end_date")
    assert Timer.objects.get(run=run).status == "cancelled"


def test_recurring_read_audience_owns_a_beat_schedule():
    from django_celery_beat.models import PeriodicTask

    audience = Audience.objects.create(
        name="All Atlanta", rule={"field": "city", "op": "eq", "value": "Atlanta"}
    )
    make_profile("ana@example.com")
    definition = {
        "nodes": [
            {
                "id": "r",
                "type": "read_audience",
                "config": {
                    "audience": audience.id,
                    "rate": 1000,
                    "schedule": {"type": "weekly", "weekday": "mon", "time": "08:30"},
                },
            },
            {"id": "m", "type": "message", "config": email("weekly")},
        ],
        "edges": [{"from": "r", "to": "m"}],
    }
    version = make_version(
        definition, properties={"timezone": "Europe/Paris", "reentrance": {"allowed": True}}
    )
    lifecycle.version_published(version)
    task = PeriodicTask.objects.get(name=f"journey:{version.journey_id}:read")
    assert (task.crontab.hour, task.crontab.minute, task.crontab.day_of_week) == ("8", "30", "1")
    assert str(task.crontab.timezone) == "Europe/Paris"
    assert lifecycle.read_audience_occurrence(version_id=version.id)
    assert not lifecycle.read_audience_occurrence(version_id=version.id)  # same occurrence
    entries.audience_reads_sweep(now=timezone.now() + dt.timedelta(seconds=1))
    assert messages(node_id="m").count() == 1
    version.status = "stopped"
    version.save()
    lifecycle.version_stopped(version)
    assert not PeriodicTask.objects.filter(name=f"journey:{version.journey_id}:read").exists()


def test_read_audience_enters_at_most_rate_per_second_in_quarter_second_batches():
    audience = Audience.objects.create(
        name="Atl", rule={"field": "city", "op": "eq", "value": "Atlanta"}
    )
    Profile.objects.bulk_create([Profile(city="Atlanta", birth_year=1990) for _ in range(1200)])
    version = make_version(
        {
            "nodes": [
                {
                    "id": "r",
                    "type": "read_audience",
                    "config": {"audience": audience.id, "rate": 500},
                },
                {"id": "m", "type": "message", "config": email()},
            ],
            "edges": [{"from": "r", "to": "m"}],
        }
    )
    lifecycle.version_published(version)
    now = timezone.now() + dt.timedelta(seconds=1)

    def sweep(seconds: float) -> int:
        return entries.audience_reads_sweep(now=now + dt.timedelta(seconds=seconds))

    # rate 500: 125 every quarter of a second, never more than 500 in a second
    assert sweep(0) == 125
    assert sweep(0.1) == 0  # the next batch is not due yet
    assert [sweep(0.25), sweep(0.5), sweep(0.75)] == [125, 125, 125]
    assert sweep(0.9) == 0
    assert [sweep(1 + k * 0.25) for k in range(6)] == [125, 125, 125, 125, 125, 75]
    assert AudienceRead.objects.get().status == "done"
    assert Run.objects.filter(version=version).count() == 1200
    plan = plan_for(version)
    assert plan.entry.id == "r"


def test_fast_reads_are_split_in_shards_that_enter_everyone_once():
    audience = Audience.objects.create(
        name="Atl", rule={"field": "city", "op": "eq", "value": "Atlanta"}
    )
    Profile.objects.bulk_create([Profile(city="Atlanta", birth_year=1990) for _ in range(301)])
    version = make_version(
        {
            "nodes": [
                {
                    "id": "r",
                    "type": "read_audience",
                    "config": {"audience": audience.id, "rate": 20000},
                },
                {"id": "m", "type": "message", "config": email()},
            ],
            "edges": [{"from": "r", "to": "m"}],
        }
    )
    lifecycle.version_published(version)
    assert sorted(AudienceRead.objects.values_list("shard", "shards", "rate")) == [
        (0, 2, 10000),
        (1, 2, 10000),
    ]
    # ranges of profile ids with about as many members each (the median member cuts them)
    member_ids = sorted(Profile.objects.filter(city="Atlanta").values_list("id", flat=True))
    first, second = AudienceRead.objects.order_by("shard")
    assert (first.cursor, first.until_id) == (0, member_ids[150])
    assert (second.cursor, second.until_id) == (member_ids[150], None)
    assert entries.audience_reads_sweep(now=timezone.now() + dt.timedelta(seconds=1)) == 301
    assert messages(node_id="m").count() == 301
    assert set(AudienceRead.objects.values_list("status", flat=True)) == {"done"}


def test_shard_bounds_of_a_large_audience_come_from_a_sample(monkeypatch):
    from django.db import connection

    monkeypatch.setattr(entries, "EXACT_QUANTILES_UP_TO", 0)  # as above a million members
    # 100,000 profiles, every other one in Atlanta: a 5 % sample of the pages holds thousands
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audiences_profile (first_name, last_name, city, birth_year, timezone, "
            "attributes, phone, push_tokens, consent_email, consent_push, consent_sms, is_test, "
            "created_at, updated_at) SELECT '', '', CASE WHEN g % 2 = 0 THEN 'Atlanta' ELSE "
            "'Boston' END, 1990, '', '{}', '', '[]', true, false, false, false, now(), now() "
            "FROM generate_series(1, 100000) AS g"
        )
    rule = {"field": "city", "op": "eq", "value": "Atlanta"}
    atlanta = sorted(Profile.objects.filter(city="Atlanta").values_list("id", flat=True))
    (bound,) = entries.member_id_quantiles(rule, 2)
    # an estimate: near the median member, well inside the audience
    assert atlanta[len(atlanta) // 4] < bound < atlanta[3 * len(atlanta) // 4]


def test_custom_action_is_requested_once_or_takes_its_error_path():
    from journeys.models import CustomAction, Message

    ana = make_profile("ana@example.com")
    CustomAction.objects.create(name="crm", url="https://crm.example.com/hook", parameters=["tier"])
    call = {
        "id": "call",
        "type": "action",
        "config": {"action": "crm", "params": {"tier": "{{ event.signup.plan }}"}},
    }
    make_version(unitary(call, edges=[{"from": "in", "to": "call"}]), name="with action")
    races.events_received([signup(ana)])
    run = Run.objects.get(profile=ana)
    action = Message.objects.get(channel="action")
    assert (
        action.key == f"run:{run.id:012d}:call:action"
        and action.context["event"]["signup"]["plan"] == "pro"
    )
    bob = make_profile("bob@example.com")
    broken = {"id": "call", "type": "action", "config": {"action": "no such action"}}
    make_version(
        unitary(
            broken,
            {"id": "fallback", "type": "message", "config": email("fallback")},
            edges=[
                {"from": "in", "to": "call"},
                {"from": "call", "to": "fallback", "port": "error"},
            ],
            event="other",
        ),
        name="broken action",
    )
    races.events_received(
        [IncomingEvent(event_id=5, name="other", type="unitary", profile_id=bob.id, payload={})]
    )
    assert messages(profile=bob, node_id="fallback").count() == 1
    assert "no such action" in Step.objects.get(run__profile=bob, node="call").error


def test_a_new_version_takes_new_entries_while_older_runs_finish_in_theirs():
    ana = make_profile("ana@example.com")
    bob = make_profile("bob@example.com")
    nodes = [
        {"id": "w", "type": "wait", "config": {"duration": "PT1H"}},
        {"id": "m", "type": "message", "config": email()},
    ]
    v1 = make_version(unitary(*nodes, edges=[{"from": "in", "to": "w"}, {"from": "w", "to": "m"}]))
    races.events_received([signup(ana, 1)])
    v1.status = "closed"
    v1.save()
    lifecycle.version_closed(v1)
    v2 = make_version(
        unitary(*nodes, edges=[{"from": "in", "to": "w"}, {"from": "w", "to": "m"}]),
        journey=v1.journey,
    )
    races.events_received([signup(bob, 2), signup(ana, 3)])
    assert Run.objects.get(profile=bob).version_id == v2.id
    assert Run.objects.filter(profile=ana).count() == 1  # still inside (v1): not entered again
    timers.timers_sweep(now=timezone.now() + dt.timedelta(hours=2))
    assert (
        Run.objects.get(profile=ana).version_id == v1.id
        and Run.objects.get(profile=ana).status == "finished"
    )
    assert messages(profile=ana).get().journey_version_id == v1.id


def test_an_event_reached_by_another_port_is_awaited_with_its_own_timeout():
    ana = make_profile("ana@example.com")
    bob = make_profile("bob@example.com")
    nodes = [
        {
            "id": "c",
            "type": "condition",
            "config": {
                "paths": [
                    {
                        "label": "Atlanta",
                        "rule": {"field": "profile.city", "op": "eq", "value": "Atlanta"},
                    }
                ]
            },
        },
        {"id": "buy", "type": "event", "config": {"event": "purchase", "timeout": "PT1H"}},
        {"id": "again", "type": "event", "config": {"event": "purchase"}},
        {"id": "bought", "type": "message", "config": email("bought")},
        {"id": "late", "type": "message", "config": email("late")},
    ]
    make_version(
        unitary(
            *nodes,
            edges=[
                {"from": "in", "to": "c"},
                {"from": "c", "to": "buy", "port": "path-1"},
                {"from": "buy", "to": "bought"},
                {"from": "buy", "to": "late", "port": "timeout"},
                {"from": "late", "to": "again"},
            ],
        )
    )
    now = timezone.now()
    races.events_received([signup(ana, 1), signup(bob, 2)], now=now)
    assert set(Run.objects.values_list("node", "state")) == {("buy", "awaiting")}
    purchase = IncomingEvent(
        event_id=3, name="purchase", type="unitary", profile_id=bob.id, payload={"product": "Hat"}
    )
    assert races.events_received([purchase], now=now) == 1
    assert messages(profile=bob, node_id="bought").count() == 1
    assert timers.timers_sweep(now=now + dt.timedelta(hours=2)) == 1  # Bob's timeout was cancelled
    assert messages(profile=ana, node_id="late").count() == 1
    run = Run.objects.get(profile=ana)
    assert (run.node, run.state) == ("late", "listening")
    assert [s["node"] for s in profile_runs(profile_id=ana.id)[0]["steps"]] == [
        "in",
        "c",
        "buy",
        "late",
    ]
