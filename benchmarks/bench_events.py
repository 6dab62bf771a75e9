"""Event ingestion over HTTP: the app under gunicorn, posted to from this process.

Setup (bench database): 10 rule-based unitary configurations (each payload is evaluated against
all ten conditions and matches one), 20,000 known profiles (events mostly about them, some
about new people, whose profiles get created), an API token. Then gunicorn serves
`config.wsgi:application` (production settings, DEBUG off) on a free loopback port and a few
keep-alive HTTP connections post:

- `events_batch_per_s`: lists of 500 events; accepted events per second;
- `events_single_per_s`: one event per request; requests per second.

Bodies are encoded before the clock starts, so the figure is the server's.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CONFIGURATIONS = 10
KNOWN_PROFILES = 20_000
BATCH = 500
BATCHES = 60  # 30,000 events
SINGLES = 3_000
CONNECTIONS = 4
WORKERS = 4


def run(report) -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not one line per request
    token = _setup()
    server, base_url = _start_server()
    try:
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        batch_bodies = [_body(_events(f"b{n}", BATCH, n)) for n in range(BATCHES)]
        single_bodies = [_body(_events(f"s{n}", 1, n)[0]) for n in range(SINGLES)]
        _post_all(
            base_url, headers, [_body(_events("warm", 50, n)) for n in range(CONNECTIONS * 2)]
        )
        elapsed, accepted = _post_all(base_url, headers, batch_bodies)
        report("events_batch_per_s", accepted / elapsed, "events/s")
        elapsed, accepted = _post_all(base_url, headers, single_bodies)
        report("events_single_per_s", len(single_bodies) / elapsed, "requests/s")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def _setup() -> str:
    """Configurations, known profiles and a token, in the bench database (idempotent)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from audiences.models import Identity, Profile
    from events.models import EventConfiguration
    from events.services import event_configuration_create

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE events_eventmatch, events_event")
    for index in range(CONFIGURATIONS):
        name = f"bench_purchase_{index}"
        if not EventConfiguration.objects.filter(name=name).exists():
            event_configuration_create(data=_configuration(name, index))
    if not Identity.objects.filter(namespace="email", value=_email(0)).exists():
        profiles = Profile.objects.bulk_create(
            [Profile(first_name=f"P{i}") for i in range(KNOWN_PROFILES)]
        )
        Identity.objects.bulk_create(
            [
                Identity(profile=p, namespace="email", value=_email(i))
                for i, p in enumerate(profiles)
            ],
            ignore_conflicts=True,
        )
    user, _ = get_user_model().objects.get_or_create(username="bench", defaults={"is_staff": True})
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


def _configuration(name: str, index: int) -> dict:
    return {
        "name": name,
        "type": "unitary",
        "id_type": "rule_based",
        "fields": [
            {"path": "email", "type": "string", "required": True},
            {"path": "purchaseMessage", "type": "string"},
            {"path": "store", "type": "string"},
            {"path": "product", "type": "string"},
            {"path": "purchaseDate", "type": "datetime"},
            {"path": "amount", "type": "number", "required": True},
        ],
        "condition": {
            "all": [
                {"field": "purchaseMessage", "op": "eq", "value": "thank you"},
                {"field": "store", "op": "eq", "value": f"store-{index}"},
                {"field": "amount", "op": "gte", "value": 0},
            ]
        },
        "namespace": "email",
        "profile_id_field": "email",
    }


def _email(index: int) -> str:
    return f"bench{index:06d}@example.com"


def _events(prefix: str, count: int, seed: int) -> list[dict]:
    """Payloads matching one configuration each; 1 in 20 is about a new person."""
    run_id = f"{time.time_ns()}"
    out = []
    for i in range(count):
        n = seed * count + i
        email = (
            _email((n * 7919) % KNOWN_PROFILES)
            if n % 20
            else f"new-{run_id}-{prefix}-{i}@example.com"
        )
        out.append(
            {
                "_id": f"{run_id}-{prefix}-{i}",
                "email": email,
                "purchaseMessage": "thank you",
                "store": f"store-{n % CONFIGURATIONS}",
                "product": "Trail running shoes",
                "purchaseDate": "2026-03-14T15:09:26+00:00",
                "amount": 89.9 + (n % 50),
            }
        )
    return out


def _body(value) -> bytes:
    return json.dumps(value).encode()


def _start_server() -> tuple[subprocess.Popen, str]:
    """gunicorn on a free loopback port (it picks it: `-b 127.0.0.1:0`), production settings."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECRET_KEY": "bench-only-secret-key-not-for-production-use-0123456789",
        }
    )
    log_path = ROOT / "var" / "bench-gunicorn.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115 - lives as long as the server
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "-b",
            "127.0.0.1:0",
            "-w",
            str(WORKERS),
            "-k",
            "gthread",
            "--threads",
            "1",
            "--keep-alive",
            "30",
            "--log-level",
            "info",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = log_path.read_text()
        match = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", text)
        if match and text.count("Booting worker") >= WORKERS:
            base_url = match.group(1)
            _wait_healthy(base_url)
            return server, base_url
        if server.poll() is not None:
            break
        time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"gunicorn did not start:\n{log_path.read_text()}")


def _wait_healthy(base_url: str) -> None:
    for _ in range(100):
        try:
            if httpx.get(f"{base_url}/healthz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)


def _post_all(base_url: str, headers: dict, bodies: list[bytes]) -> tuple[float, int]:
    """Post every body over CONNECTIONS keep-alive connections; (seconds, accepted events)."""
    queue = list(reversed(bodies))
    lock = threading.Lock()
    accepted = [0]
    failures: list[str] = []

    def worker() -> None:
        with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
            while True:
                with lock:
                    if not queue:
                        return
                    body = queue.pop()
                response = client.post("/api/v1/events/", content=body)
                if response.status_code != 202:
                    failures.append(f"{response.status_code} {response.text[:200]}")
                    return
                count = sum(1 for r in response.json()["results"] if r["status"] == "accepted")
                with lock:
                    accepted[0] += count

    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"the server refused events: {failures[0]}")
    return elapsed, accepted[0]
