"""The engine's semantics, called directly on PostgreSQL with a moved clock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from journeys.engine import entries, lifecycle, races, timers
from journeys.engine.history import profile_runs, version_counts
from journeys.engine.plan import plan_for
from journeys.engine.races import IncomingEvent
from journeys.models import Run, Timer

from .helpers import make_profile, make_version, messages, seed_audience, seed_definition

pytestmark = pytest.mark.django_db


def purchase(profile, event_id=1, product="Shoes"):
    return IncomingEvent(
        event_id=event_id,
        name="purchase",
        type="unitary",
        profile_id=profile.id,
        payload={"email": "x", "product": product, "purchaseMessage": "thank you"},
    )


@pytest.fixture
def seed():
    audience = seed_audience()
    ana = make_profile("ana@example.com")
    bob = make_profile("bob@example.com", city="Seattle", first_name="Bob")
    cid = make_profile("cid@example.com", city="San Francisco", first_name="Cid")
    out = make_profile("paris@example.com", city="Paris", first_name="Zoe")
    old = make_profile("old@example.com", birth_year=1970, first_name="Old")
    version = make_version(seed_definition(audience.id))
    return version, [ana, bob, cid], [out, old]


def read_all(version, now=None):
    lifecycle.version_published(version)
    return entries.audience_reads_sweep(now=now or timezone.now() + dt.timedelta(seconds=1))


def test_read_audience_enters_members_and_queues_first_messages(seed):
    version, members, outsiders = seed
    assert read_all(version) == 3
    for profile in members:
        run = Run.objects.get(profile=profile)
        assert (run.status, run.node, run.state) == ("active", "first", "listening")
        assert sorted(messages(profile=profile).values_list("key", flat=True)) == [
            f"run:{run.id:012d}:first:email",
            f"run:{run.id:012d}:first:push",
        ]
    for profile in outsiders:
        assert not Run.objects.filter(profile=profile).exists()
        assert not messages(profile=profile).exists()
    timeout = Timer.objects.get(run__profile=members[0])
    assert (timeout.kind, timeout.node, timeout.status) == ("timeout", "first", "pending")
    assert abs(
        (timeout.due_at - Run.objects.get(profile=members[0]).entered_at) - dt.timedelta(days=1)
    ) < dt.timedelta(seconds=1)


def test_reading_again_never_enters_twice(seed):
    version, members, _ = seed
    read_all(version)
    plan = plan_for(version)
    assert entries.enter_profiles(plan=plan, profile_ids=[m.id for m in members]) == 0
    assert messages().count() == 6
    assert version_counts(version_id=version.id)["discarded"] == 3


def test_seed_paths_reaction_timeout_and_purchase(seed):
    version, (ana, bob, cid), _ = seed
    read_all(version)
    ana_run, bob_run, cid_run = (Run.objects.get(profile=p) for p in (ana, bob, cid))
    # Ana opens the email, Bob the push; Cid does nothing
    assert (
        races.reaction_received(run_id=ana_run.id, node_id="first", channel="email", kind="opened")
        == 1
    )
    assert (
        races.reaction_received(run_id=bob_run.id, node_id="first", channel="push", kind="opened")
        == 1
    )
    # a second open of the same kind moves nothing
    assert (
        races.reaction_received(run_id=ana_run.id, node_id="first", channel="push", kind="opened")
        == 0
    )
    for run in (ana_run, bob_run):
        run.refresh_from_db()
        assert (run.node, run.state) in {
            ("email_opened", "listening"),
            ("push_opened", "listening"),
        }
    # listening for the purchase at the reaction she won: that step is written, not open
    steps = [(s["node"], s["outcome"]) for s in profile_runs(profile_id=ana.id)[0]["steps"]]
    assert steps == [("start", "default"), ("first", "email_opened"), ("email_opened", "default")]
    # one day later: only Cid gets the reminder
    later = timezone.now() + dt.timedelta(days=1, minutes=1)
    assert timers.timers_sweep(now=later) == 1  # Ana's and Bob's timeouts were cancelled
    cid_run.refresh_from_db()
    assert (cid_run.node, cid_run.state) == ("reminder", "listening")
    assert messages(node_id="reminder").count() == 1
    assert messages(node_id="reminder", profile=cid).count() == 1
    # purchases: thank-you push to each, context carries the event
    for i, profile in enumerate((ana, bob, cid), start=1):
        assert races.events_received([purchase(profile, event_id=i, product=f"P{i}")]) == 1
    for profile in (ana, bob, cid):
        run = Run.objects.get(profile=profile)
        assert run.status == "finished"
        assert run.context["event"]["purchase"]["product"].startswith("P")
        assert messages(node_id="thanks", profile=profile, channel="push").count() == 1
    history = profile_runs(profile_id=cid.id)[0]
    assert [s["node"] for s in history["steps"]] == [
        "start",
        "first",
        "email_opened",
        "reminder",
        "purchase",
        "thanks",
    ]
    assert history["steps"][1]["outcome"] == "timeout"
    ana_steps = [s["node"] for s in profile_runs(profile_id=ana.id)[0]["steps"]]
    assert ana_steps == ["start", "first", "email_opened", "purchase", "thanks"]
    figures = version_counts(version_id=version.id)["nodes"]
    assert (figures["email_opened"]["entered"], figures["email_opened"]["exited"]) == (2, 2)
    assert (figures["first"]["entered"], figures["first"]["exited"]) == (3, 3)


def test_cancelled_timeouts_are_not_fired(seed):
    version, (ana, _, _), _ = seed
    read_all(version)
    run = Run.objects.get(profile=ana)
    races.reaction_received(run_id=run.id, node_id="first", channel="email", kind="opened")
    assert Timer.objects.get(run=run).status == "cancelled"
    timers.timers_sweep(now=timezone.now() + dt.timedelta(days=2))
    assert not messages(node_id="reminder", profile=ana).exists()


def test_event_twice_moves_once(seed):
    version, (ana, _, _), _ = seed
    read_all(version)
    run = Run.objects.get(profile=ana)
    races.reaction_received(run_id=run.id, node_id="first", channel="email", kind="opened")
    assert races.events_received([purchase(ana, 1)]) == 1
    assert races.events_received([purchase(ana, 2)]) == 0
    assert messages(node_id="thanks").count() == 1


def test_event_after_the_run_left_is_ignored_and_unlistened_events_do_nothing(seed):
    version, (ana, _, _), _ = seed
    read_all(version)
    # listening for reactions, not for the purchase yet
    assert races.events_received([purchase(ana)]) == 0
    run = Run.objects.get(profile=ana)
    assert (run.node, run.state) == ("first", "listening")


def test_stop_exits_every_active_run_and_cancels_timers(seed):
    version, members, _ = seed
    read_all(version)
    parked = profile_runs(profile_id=members[0].id)[0]["steps"][-1]
    # listening after the first message: its step is open, since the run parked there
    assert (parked["node"], parked["type"], parked["left_at"]) == ("first", "message", None)
    version.status = "stopped"
    version.save()
    assert lifecycle.version_stopped(version) == 3
    assert set(Run.objects.values_list("status", flat=True)) == {"exited"}
    stopped = profile_runs(profile_id=members[0].id)[0]["steps"][-1]
    assert (stopped["node"], stopped["type"], stopped["outcome"]) == ("first", "message", "stopped")
    assert stopped["entered_at"] == parked["entered_at"] and stopped["left_at"] is not None
    assert set(Timer.objects.values_list("status", flat=True)) == {"cancelled"}
    timers.timers_sweep(now=timezone.now() + dt.timedelta(days=2))
    assert not messages(node_id="reminder").exists()


def test_journey_timeout_after_91_days(seed):
    version, members, _ = seed
    read_all(version)
    run = Run.objects.get(profile=members[0])
    races.reaction_received(run_id=run.id, node_id="first", channel="email", kind="opened")
    assert timers.expire_runs_sweep(now=timezone.now() + dt.timedelta(days=91, seconds=1)) == 3
    run.refresh_from_db()
    assert (run.status, run.exit_reason) == ("exited", "journey_timeout")
