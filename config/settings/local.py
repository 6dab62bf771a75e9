"""Local development: `make run`. Debug on, embedded defaults."""

from config.env import env_bool

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)
CUSTOM_ACTIONS_ALLOW_LOOPBACK = env_bool("CUSTOM_ACTIONS_ALLOW_LOOPBACK", True)
