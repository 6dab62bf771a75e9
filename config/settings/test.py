"""Test settings: real PostgreSQL (DATABASE_URL, default the local server), fast hashing."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sentier")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")

from .base import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CUSTOM_ACTIONS_ALLOW_LOOPBACK = True
CHANNELS_CONSOLE_FALLBACK = False  # without a provider, pushes and SMS wait (tests turn it on)
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
