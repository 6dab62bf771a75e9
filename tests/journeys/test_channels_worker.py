"""Delivery by real Celery worker processes: kicked when the caller's transaction commits, and
exactly once when a worker is killed (kill -9) in the middle of a batch and restarted."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter

import pytest
from django.db import connection, transaction

from audiences.models import Identity, Profile
from journeys.channels import content_ensure, message_request, messages_enqueue_from_select
from journeys.channels.delivery import LANES
from journeys.channels.tasks import tick
from journeys.models import Message
from tests.conftest import start_worker, stop_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def kill_hard(proc) -> None:
    """kill -9 the worker and its pool processes at once (no chance to finish anything)."""
    try:
        with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as children:
            pids = [int(pid) for pid in children.read().split()]
    except FileNotFoundError:
        pids = []
    for pid in [proc.pid, *pids]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(timeout=10)


def test_a_committed_request_is_delivered_by_the_worker(smtp_server, make_profile):
    worker = start_worker(log_name="channels-commit", extra_env={"EMAIL_URL": smtp_server.url})
    try:
        profile = make_profile(email="ana@example.com", first_name="Ana")
        with transaction.atomic():
            result = message_request(
                key="run:1:first:email",
                channel="email",
                profile_id=profile.pk,
                content={"subject": "Hi {{ profile.first_name }}", "text": "Hello"},
            )
            time.sleep(0.5)  # nothing leaves before the commit
            assert smtp_server.count == 0
        [received] = smtp_server.wait_for(1)
        assert received.subject == "Hi Ana"
        wait_until(
            lambda: Message.objects.get(pk=result.message_id).status == "sent", 10, "status sent"
        )
    finally:
        stop_worker(worker)


def test_worker_killed_mid_batch_and_restarted_sends_every_message_exactly_once(smtp_server):
    total = 400
    profiles = Profile.objects.bulk_create(
        Profile(first_name=f"P{i}", consent_email=True) for i in range(total)
    )
    Identity.objects.bulk_create(
        Identity(profile=p, namespace="email", value=f"p{p.pk}@example.com") for p in profiles
    )
    smtp_server.delay = 0.02  # a slow server, so the kill lands in the middle of the batches
    env = {"EMAIL_URL": smtp_server.url}
    worker = start_worker(log_name="channels-kill-1", extra_env=env)
    try:
        content_id = content_ensure(
            channel="email", body={"subject": "Hello {{ profile.first_name }}", "text": "Hi"}
        )
        with transaction.atomic():
            messages_enqueue_from_select(
                sql="SELECT 'kill:' || id AS key, id AS profile_id, NULL::bigint AS run_id FROM audiences_profile",
                params=[],
                channel="email",
                content_id=content_id,
            )
        smtp_server.wait_for(total // 4, timeout=30)
        kill_hard(worker)
    finally:
        stop_worker(worker)

    sent_before = Message.objects.filter(status="sent").count()
    assert 0 < sent_before < total, "the kill must land in the middle of the delivery"
    with connection.cursor() as cursor:  # move the clock past the dead worker's leases
        cursor.execute(
            "UPDATE journeys_message SET lease_expires_at = now() - interval '1 second'"
            " WHERE lease_expires_at IS NOT NULL"
        )
    smtp_server.delay = 0
    worker = start_worker(log_name="channels-kill-2", extra_env=env)
    try:
        tick()  # what beat does every few seconds: release lost sends, kick delivery
        wait_until(
            lambda: Message.objects.filter(status="sent").count() == total, 60, "every message sent"
        )
    finally:
        stop_worker(worker)

    received_ids = Counter(m.message_id for m in smtp_server.messages)
    recorded_ids = dict(Message.objects.values_list("provider_id", "in_doubt"))
    # every message reached the server under its own Message-ID, and nothing else did
    assert set(received_ids) == set(recorded_ids) and len(recorded_ids) == total
    delivered_to = {r for m in smtp_server.messages for r in m.rcpt_tos}
    assert delivered_to == {f"p{p.pk}@example.com" for p in profiles}
    # a second copy only for a message whose send was cut by the kill, with the same Message-ID
    # (mailbox providers drop it); at most one such message per lane of the killed worker
    repeated = {message_id for message_id, count in received_ids.items() if count > 1}
    assert all(count <= 2 for count in received_ids.values())
    assert repeated <= {mid for mid, in_doubt in recorded_ids.items() if in_doubt}
    assert Message.objects.filter(in_doubt=True).count() <= 2 * LANES["email"]
    print(
        f"sent before the kill {sent_before}, in doubt {len([1 for v in recorded_ids.values() if v])},"
        f" received twice {len(repeated)}"
    )
