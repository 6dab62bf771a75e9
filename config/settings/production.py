"""Production (the WSGI default): debug off; set SECRET_KEY, ALLOWED_HOSTS and PUBLIC_URL."""

from .base import *  # noqa: F403

SESSION_COOKIE_SECURE = PUBLIC_URL.startswith("https://")  # noqa: F405
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Pushes and SMS without a provider wait for one; never "sent" to a console here.
CHANNELS_CONSOLE_FALLBACK = False
