"""Wait: hold the profile for a duration (≤ 90 days) or until an instant (journey time zone)."""

from journeys import guardrails
from journeys.durations import format_duration, parse_duration, parse_instant

from .base import Activity, Names, SettingsCheck, svg


class Wait(Activity):
    type = "wait"
    label = "Wait"
    category = "orchestration"
    description = "Wait for a duration or until a date and time."
    icon = svg('<path d="M7 3h10M7 21h10M8 3c0 5 8 5 8 9s-8 4-8 9M16 3c0 5-8 5-8 9"/>')
    colour = "#64748b"

    def default_config(self, *, previous=None):
        return {"duration": "P1D"}

    def check_settings(self, check: SettingsCheck) -> None:
        check.known_keys("duration", "until")
        has_duration, has_until = check.present("duration"), check.present("until")
        if has_duration and has_until:
            check.invalid("until", "set a duration or a date, not both")
            return
        if not has_duration and not has_until:
            check.missing("duration", "set how long to wait (or until when)")
            return
        if has_duration:
            check.duration(
                "duration", low=guardrails.MIN_WAIT, high=guardrails.MAX_WAIT, what="a wait"
            )
        else:
            check.instant("until")

    def summary(self, config, names: Names) -> str:
        if delta := parse_duration(config.get("duration")):
            return format_duration(delta)
        if instant := parse_instant(config.get("until")):
            return "until " + instant.strftime("%d %b %Y %H:%M")
        return ""

    def wait_duration(self, config):
        return parse_duration(config.get("duration"))
