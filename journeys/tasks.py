"""Celery finds `journeys.tasks`; each part of the app keeps its tasks in its own module."""

from journeys.channels.tasks import deliver, tick  # noqa: F401
