"""Fixtures shared by the whole suite: users and API clients, a real Celery worker process,
and real Chromium driven by Playwright. Tests run on real PostgreSQL (config.settings.test)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from config.celery import worker_command

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# around it are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "var" / "screenshots"


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(
        username="marketer", password="marketer-pass", is_staff=True, is_superuser=True
    )


@pytest.fixture
def api_client(user) -> APIClient:
    """An API client authenticated the integrator's way: `Authorization: Token <key>`."""
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def logged_client(client, user):
    client.force_login(user)
    return client


# --- A real Celery worker -----------------------------------------------------------------------


def _worker_env() -> dict[str, str]:
    settings_dict = connection.settings_dict
    db_url = (
        f"postgres://{settings_dict['USER'] or 'postgres'}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": db_url,
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def start_worker(
    *, concurrency: int = 2, log_name: str = "worker", extra_env: dict[str, str] | None = None
) -> subprocess.Popen:
    """Start `celery -A config worker` against the test database and wait until it is ready."""
    from config.celery import app

    app.control.purge()
    log_dir = ROOT / "var" / "test-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{log_name}.log"
    env = _worker_env() | (extra_env or {})
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        worker_command(concurrency=concurrency),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 180  # generous: CI machines can be busy
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker exited early:\n{log_path.read_text()}")
        if " ready." in log_path.read_text():
            return proc
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"celery worker did not become ready:\n{log_path.read_text()}")


def stop_worker(proc: subprocess.Popen, *, hard: bool = False) -> None:
    if proc.poll() is None:
        proc.kill() if hard else proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def celery_worker(transactional_db) -> Iterator[subprocess.Popen]:
    """A real worker process; the test's data must be committed (transactional_db)."""
    proc = start_worker()
    yield proc
    stop_worker(proc)


# --- Real Chromium --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, user):
    """A logged-in browser page on the live server (through the real login form)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/accounts/login/")
    page.fill("#id_username", "marketer")
    page.fill("#id_password", "marketer-pass")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Save a screenshot under var/screenshots/ to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- Real peers: an SMTP server and an HTTP listener on loopback ---------------------------------


@pytest.fixture
def smtp_server(settings):
    """aiosmtpd on loopback; Django's email settings point at it. For a worker process pass
    `extra_env={"EMAIL_URL": smtp_server.url}`. Received: `smtp_server.messages` (parsed)."""
    from tests.peers import SmtpSink

    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_SSL = settings.EMAIL_USE_TLS = False
    yield sink
    sink.stop()


@pytest.fixture
def http_listener(settings):
    """An HTTP listener on loopback that records requests (`http_listener.requests`) and answers
    `http_listener.respond(fn)`; FCM_ENDPOINT points at it and SMS_ENDPOINT at its `/sms`.
    For a worker process pass `extra_env=http_listener_env(http_listener)`."""
    from tests.peers import HttpListener

    listener = HttpListener().start()
    settings.FCM_ENDPOINT = listener.url
    settings.SMS_ENDPOINT = f"{listener.url}/sms"
    yield listener
    listener.stop()


def http_listener_env(listener) -> dict[str, str]:
    return {"FCM_ENDPOINT": listener.url, "SMS_ENDPOINT": f"{listener.url}/sms"}
