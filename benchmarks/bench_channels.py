"""Channels delivery throughput with real worker processes (default settings) to local peers:
`email_delivery_per_s` (aiosmtpd sink) and `push_delivery_per_s` (FCM-shaped HTTP listener).

Each figure: enqueue N messages in one transaction (set-based), then time from the commit until
every message is recorded `sent` in the outbox.
"""

from __future__ import annotations

import os
import sys
import time

from django.db import connection, transaction

EMAIL_MESSAGES = 5_000
PUSH_MESSAGES = 10_000
PROFILES = 10_000
MARK = "bench-channels"


def run(report) -> None:
    from benchmarks.workers import start_worker, stop_worker
    from tests.peers import HttpListener, SmtpSink

    _prepare_profiles()
    sink = SmtpSink(parse=False).start()
    listener = HttpListener(record=False).start()
    listener.respond(lambda request: (200, {"name": "projects/sentier/messages/1"}))
    db = connection.settings_dict
    env = {
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "EMAIL_URL": sink.url,
        "FCM_ENDPOINT": listener.url,
    }
    worker = start_worker(env=env, log_name="bench-channels")
    global _worker_pid
    _worker_pid = worker.pid
    try:
        report(
            "email_delivery_per_s",
            _measure(
                "email",
                EMAIL_MESSAGES,
                {
                    "subject": "Hello {{ profile.first_name }}",
                    "html": '<p>Hi {{ profile.first_name }}, <a href="https://example.com/offer">see the offer</a></p>',
                    "text": "Hi {{ profile.first_name }}",
                },
            ),
            "messages/s",
        )
        report(
            "push_delivery_per_s",
            _measure(
                "push",
                PUSH_MESSAGES,
                {"title": "Hi {{ profile.first_name }}", "body": "Something new for you"},
            ),
            "requests/s",
        )
    finally:
        stop_worker(worker)
        sink.stop()
        listener.stop()


def _prepare_profiles() -> None:
    """PROFILES consenting profiles with an email and one push token each (set-based, once)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM journeys_message WHERE key LIKE %s", [f"{MARK}:%"])
        cursor.execute(
            "SELECT count(*) FROM audiences_profile WHERE attributes->>'bench' = %s", [MARK]
        )
        if cursor.fetchone()[0] >= PROFILES:
            return
        cursor.execute("DELETE FROM audiences_profile WHERE attributes->>'bench' = %s", [MARK])
        cursor.execute(
            "INSERT INTO audiences_profile (first_name, last_name, city, timezone, attributes, phone, push_tokens,"
            " consent_email, consent_push, consent_sms, is_test, created_at, updated_at)"
            " SELECT 'P' || g, '', '', '', jsonb_build_object('bench', %s), '', jsonb_build_array('token-' || g),"
            " true, true, false, false, now(), now() FROM generate_series(1, %s) g",
            [MARK, PROFILES],
        )
        cursor.execute(
            "INSERT INTO audiences_identity (profile_id, namespace, value)"
            " SELECT id, 'email', 'bench' || id || '@example.com' FROM audiences_profile"
            " WHERE attributes->>'bench' = %s",
            [MARK],
        )


_worker_pid = 0


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children (the pool processes)."""
    pids = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            pids += [int(child) for child in children.read().split()]
    except FileNotFoundError:
        return 0.0
    total = 0
    for each in pids:
        try:
            with open(f"/proc/{each}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except FileNotFoundError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


def _measure(channel: str, count: int, body: dict) -> float:
    from journeys.channels import content_ensure, messages_enqueue_from_select

    run_tag = f"{MARK}:{channel}:{time.time_ns()}"
    with transaction.atomic():
        content_id = content_ensure(channel=channel, body=body)
        messages_enqueue_from_select(
            sql="SELECT %s || ':' || id AS key, id AS profile_id, NULL::bigint AS run_id FROM audiences_profile"
            " WHERE attributes->>'bench' = %s ORDER BY id LIMIT %s",
            params=[run_tag, MARK, count],
            channel=channel,
            content_id=content_id,
        )
    started = time.perf_counter()
    cpu_before = _cpu_seconds(_worker_pid)
    deadline = started + 600
    with connection.cursor() as cursor:
        while time.perf_counter() < deadline:
            cursor.execute(
                "SELECT count(*) FILTER (WHERE status IN ('sent', 'failed', 'excluded')),"
                " count(*) FILTER (WHERE status = 'sent') FROM journeys_message WHERE key LIKE %s",
                [f"{run_tag}:%"],
            )
            done, sent = cursor.fetchone()
            if done >= count:
                break
            time.sleep(0.05)
    elapsed = time.perf_counter() - started
    cpu = _cpu_seconds(_worker_pid) - cpu_before
    load = os.getloadavg()[0]
    print(
        f"# {channel}: {sent} in {elapsed:.1f}s; worker CPU {cpu / max(sent, 1) * 1e6:.0f} µs per message;"
        f" load average {load:.1f}",
        file=sys.stderr,
        flush=True,
    )
    if sent < count:
        print(f"# {channel}: only {sent} of {count} sent", flush=True)
    return sent / elapsed
