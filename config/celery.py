"""The Celery app that `celery -A config worker|beat` finds.

Periodic tasks are not declared here: they live in `config/periodic.py` and are synced into
django-celery-beat's tables on migrate (DatabaseScheduler reads them from there).
"""

import os
import sys

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("sentier")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def worker_command(
    *, queues: str | None = None, concurrency: int | None = None, heartbeat: bool = False
) -> list[str]:
    """The `celery worker` command line every launcher uses: `make run` (config/devserver.py),
    the tests' real workers and the benchmarks'. Without `concurrency`, one process per CPU."""
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO"]
    if queues:
        command += ["-Q", queues]
    if concurrency:
        command.append(f"--concurrency={concurrency}")
    command += ["--without-gossip", "--without-mingle"]
    if not heartbeat:
        command.append("--without-heartbeat")
    return command
