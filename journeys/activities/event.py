"""Event: the profile waits for an event about it (e.g. a purchase); optional timeout path.

Several event/reaction nodes after one node race: the first that happens wins; one timeout
(set on any one of them) covers them all.
"""

from journeys import guardrails
from journeys.durations import format_duration, parse_duration

from .base import DEFAULT_PORT, TIMEOUT_PORT, Activity, Names, References, SettingsCheck, svg


class Event(Activity):
    type = "event"
    label = "Event"
    category = "events"
    description = "Wait for an event about the profile, such as a purchase."
    icon = svg('<circle cx="12" cy="12" r="8.5"/><path d="M12 7.5V12l3 2"/>')
    colour = "#f59e0b"
    listens = True

    def check_settings(self, check: SettingsCheck) -> None:
        check.known_keys("event", "timeout")
        check.string("event", required="choose the event to wait for")
        check_timeout(check)

    def ports(self, config):
        return [DEFAULT_PORT, TIMEOUT_PORT] if config.get("timeout") else [DEFAULT_PORT]

    def summary(self, config, names: Names) -> str:
        if not config.get("event"):
            return ""
        return names.event(config["event"]) + timeout_suffix(config)

    def references(self, config) -> References:
        return References(
            events={config["event"]} if isinstance(config.get("event"), str) else set()
        )

    def timeout(self, config):
        return parse_duration(config.get("timeout"))


def check_timeout(check: SettingsCheck) -> None:
    check.duration(
        "timeout", low=guardrails.MIN_TIMEOUT, high=guardrails.MAX_TIMEOUT, what="the timeout"
    )


def timeout_suffix(config) -> str:
    delta = parse_duration(config.get("timeout"))
    return f" · timeout {format_duration(delta)}" if delta else ""
