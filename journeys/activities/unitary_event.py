"""Unitary event: a profile enters, one at a time, when an event about it is accepted."""

from .base import Activity, Names, References, SettingsCheck, svg


class UnitaryEvent(Activity):
    type = "unitary_event"
    label = "Unitary event"
    category = "events"
    description = "A profile enters when an event about it arrives (purchase, sign-up…)."
    icon = svg('<path d="M13 2 4 14h7l-1 8 9-12h-7z"/>')
    colour = "#f59e0b"
    entry = True

    def check_settings(self, check: SettingsCheck) -> None:
        check.known_keys("event")
        check.string("event", required="choose the event that makes a profile enter")

    def summary(self, config, names: Names) -> str:
        return names.event(config["event"]) if config.get("event") else ""

    def references(self, config) -> References:
        return References(
            events={config["event"]} if isinstance(config.get("event"), str) else set()
        )
