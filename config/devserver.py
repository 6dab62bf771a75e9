"""`make run`'s last step: web server, Celery worker and beat together in the foreground.

One Ctrl-C stops all three. Each child's output is prefixed with its name.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

from config.celery import worker_command

HOST = os.environ.get("SENTIER_HOST", "127.0.0.1")
PORT = os.environ.get("SENTIER_PORT", "8000")

PROCESSES = {
    "web": [sys.executable, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"],
    "worker": worker_command(concurrency=2, heartbeat=True),
    "beat": [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=INFO"],
}
COLOURS = {"web": "\033[36m", "worker": "\033[33m", "beat": "\033[35m"}


def _pump(name: str, proc: subprocess.Popen) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        sys.stdout.write(f"{COLOURS[name]}{name:>6}\033[0m | {line}")
        sys.stdout.flush()


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    children: dict[str, subprocess.Popen] = {}
    for name, cmd in PROCESSES.items():
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # Ctrl-C reaches us; we stop the children in order
        )
        children[name] = proc
        threading.Thread(target=_pump, args=(name, proc), daemon=True).start()
    user = os.environ.get("SENTIER_ADMIN_USERNAME", "admin")
    password = os.environ.get("SENTIER_ADMIN_PASSWORD", "sentier-demo")
    print(
        f"\n  Sentier is starting on http://{HOST}:{PORT}/  — log in as {user} / {password}"
        "\n  (Ctrl-C stops web, worker and beat)\n",
        flush=True,
    )
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping:
            if any(proc.poll() is not None for proc in children.values()):
                dead = [n for n, p in children.items() if p.poll() is not None]
                print(f"\n  {', '.join(dead)} stopped; stopping the rest.", flush=True)
                break
            time.sleep(0.3)
    finally:
        for proc in children.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in children.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
