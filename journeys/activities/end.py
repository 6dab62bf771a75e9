"""End: the profile leaves the journey (a node without outgoing edges does the same)."""

from .base import Activity, SettingsCheck, svg


class End(Activity):
    type = "end"
    label = "End"
    category = "orchestration"
    description = "The profile leaves the journey here."
    icon = svg('<circle cx="12" cy="12" r="8.5"/><rect x="9" y="9" width="6" height="6" rx="1"/>')
    colour = "#334155"

    def check_settings(self, check: SettingsCheck) -> None:
        check.known_keys()

    def ports(self, config):
        return []
