"""Reaction: the profile opened or clicked a message sent by the message node just before."""

from journeys.durations import parse_duration

from .base import DEFAULT_PORT, TIMEOUT_PORT, Activity, Names, SettingsCheck, svg
from .event import check_timeout, timeout_suffix

CHANNELS = ("email", "push", "sms")
REACTIONS = ("opened", "clicked")
REACTION_LABELS = {
    ("email", "opened"): "Email opened",
    ("email", "clicked"): "Email clicked",
    ("push", "opened"): "Push opened",
    ("push", "clicked"): "Push clicked",
    ("sms", "clicked"): "SMS link clicked",
}


class Reaction(Activity):
    type = "reaction"
    label = "Reaction"
    category = "events"
    description = "Wait until the profile opens or clicks the message just before."
    icon = svg('<path d="M4 5h16v11H8l-4 4z"/><path d="m9 10.5 2 2 4-4"/>')
    colour = "#ec4899"
    listens = True

    def default_config(self, *, previous=None):
        """After a message, point at it and pick its first channel."""
        if previous and previous.get("type") == "message":
            channels = [c for c in CHANNELS if c in (previous.get("config") or {})]
            config = {"action": previous["id"], "reaction": "opened"}
            if channels:
                config["channel"] = channels[0]
            return config
        return {"reaction": "opened"}

    def check_settings(self, check: SettingsCheck) -> None:
        check.known_keys("action", "channel", "reaction", "timeout")
        check.string("action", required="choose the message this reaction is about")
        channel = check.string("channel", required="choose the channel", choices=CHANNELS)
        reaction = check.string("reaction", required="choose opened or clicked", choices=REACTIONS)
        if channel == "sms" and reaction == "opened":
            check.invalid("reaction", "an SMS cannot be tracked as opened; use clicked")
        check_timeout(check)

    def ports(self, config):
        return [DEFAULT_PORT, TIMEOUT_PORT] if config.get("timeout") else [DEFAULT_PORT]

    def summary(self, config, names: Names) -> str:
        key = (config.get("channel"), config.get("reaction"))
        if key not in REACTION_LABELS:
            return ""
        return REACTION_LABELS[key] + timeout_suffix(config)

    def timeout(self, config):
        return parse_duration(config.get("timeout"))
