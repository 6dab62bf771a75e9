"""Real processes for engine tests: Celery workers (tests/conftest.py), a real beat, kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

from config.celery import worker_command
from tests.conftest import ROOT, _worker_env


def wait_until(
    predicate: Callable[[], bool], timeout: float, what: str, *, interval: float = 0.1
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def kill_hard(proc: subprocess.Popen) -> None:
    """kill -9 a worker and its pool processes at once: nothing gets to finish."""
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


def start_beat(*, log_name: str = "beat") -> subprocess.Popen:
    """`celery -A config beat` with the database scheduler (journeys/periodic.py's entries)."""
    from journeys.periodic import sync_periodic_tasks

    sync_periodic_tasks()
    log_dir = ROOT / "var" / "test-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log = open(log_dir / f"{log_name}.log", "w")  # noqa: SIM115 - closed with the process
    schedule = os.path.join(tempfile.mkdtemp(), "beat-schedule")
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=INFO", "-s", schedule],
        cwd=ROOT,
        env=_worker_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def start_engine_worker(
    *, log_name: str, concurrency: int = 2, extra_env: dict[str, str] | None = None
) -> subprocess.Popen:
    """A worker consuming only the engine's queue (deliveries are channels' tests' business)."""
    from config.celery import app

    app.control.purge()
    log_dir = ROOT / "var" / "test-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{log_name}.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        worker_command(queues="engine", concurrency=concurrency),
        cwd=ROOT,
        env=_worker_env() | (extra_env or {}),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    wait_until(
        lambda: proc.poll() is not None or " ready." in log_path.read_text(),
        60,
        "the worker to start",
    )
    if proc.poll() is not None:
        raise RuntimeError(f"celery worker exited early:\n{log_path.read_text()}")
    return proc


def emails(sink, count: int, timeout: float = 20) -> list:
    """The first `count` emails the SMTP sink received, parsed (its `wait_for` counts an email
    a moment before it is parsed and listed)."""
    wait_until(
        lambda: len(sink.messages) >= count, timeout, f"{count} emails (got {len(sink.messages)})"
    )
    return list(sink.messages)


def requests(listener, count: int, timeout: float = 20) -> list:
    """The first `count` requests the HTTP listener recorded (same reason as `emails`)."""
    wait_until(
        lambda: len(listener.requests) >= count,
        timeout,
        f"{count} requests (got {len(listener.requests)})",
    )
    return list(listener.requests)
