"""Local development: `make run`. Debug on, embedded defaults."""

from config.env import env_bool

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)
CUSTOM_ACTIONS_ALLOW_LOOPBACK = env_bool("CUSTOM_ACTIONS_ALLOW_LOOPBACK", True)
# Pushes and SMS without FCM_ENDPOINT / SMS_ENDPOINT are printed by the worker, like emails.
CHANNELS_CONSOLE_FALLBACK = env_bool("CHANNELS_CONSOLE_FALLBACK", True)
