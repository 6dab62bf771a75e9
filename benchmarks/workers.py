"""Real Celery worker processes for benchmarks, with the default worker settings (prefork,
one process per CPU), pointed at the benchmark database and the given peers."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from config.celery import worker_command

ROOT = Path(__file__).resolve().parent.parent


def start_worker(*, env: dict[str, str], log_name: str) -> subprocess.Popen:
    from config.celery import app

    app.control.purge()
    log_path = ROOT / "var" / "bench-logs" / f"{log_name}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    full_env = dict(os.environ) | {"PYTHONUNBUFFERED": "1"} | env
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        worker_command(),
        cwd=ROOT,
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"worker exited:\n{log_path.read_text()}")
        if " ready." in log_path.read_text():
            return proc
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"worker not ready:\n{log_path.read_text()}")


def stop_worker(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
