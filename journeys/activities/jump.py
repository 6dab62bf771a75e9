"""Jump: the profile leaves this journey and enters another (unitary-event) journey."""

from .base import DEFAULT_PORT, ERROR_PORT, Activity, Names, References, SettingsCheck, svg


class Jump(Activity):
    type = "jump"
    label = "Jump"
    category = "orchestration"
    description = "Send the profile into another journey."
    icon = svg('<path d="M4 17c2-7 8-10 14-9"/><path d="m15 5 3 3-3 3"/><path d="M4 21h6"/>')
    colour = "#475569"

    def check_settings(self, check: SettingsCheck) -> None:
        check.known_keys("journey")
        value = check.config.get("journey")
        if value in (None, ""):
            check.missing("journey", "choose the journey to jump to")
        elif not isinstance(value, int) or isinstance(value, bool):
            check.invalid("journey", "must be the id of a journey")

    def ports(self, config):
        return [DEFAULT_PORT, ERROR_PORT]

    def summary(self, config, names: Names) -> str:
        return "to " + names.journey(config["journey"]) if config.get("journey") else ""

    def references(self, config) -> References:
        refs = References()
        if isinstance(config.get("journey"), int):
            refs.journeys.add(config["journey"])
        return refs
