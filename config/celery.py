"""The Celery app that `celery -A config worker|beat` finds.

Periodic tasks are not declared here: they live in `config/periodic.py` and are synced into
django-celery-beat's tables on migrate (DatabaseScheduler reads them from there).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("sentier")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
