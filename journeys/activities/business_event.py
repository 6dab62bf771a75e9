"""Business event: a non-personal event (stock low, price drop) makes an audience enter.

The audience is the node's own `audience`, or a Read audience placed directly after it (the
product's classic shape); validation checks there is exactly one (ERR_BUSINESS_EVENT_AUDIENCE).
"""

from .base import Activity, Names, References, SettingsCheck, svg


class BusinessEvent(Activity):
    type = "business_event"
    label = "Business event"
    category = "events"
    description = (
        "A business event (stock low, price drop…) makes every member of an audience enter."
    )
    icon = svg('<path d="M3 21h18M5 21V9l7-5 7 5v12"/><path d="M10 21v-5h4v5"/>')
    colour = "#d97706"
    entry = True

    def check_settings(self, check: SettingsCheck) -> None:
        check.known_keys("event", "audience")
        check.string("event", required="choose the business event")
        check.reference("audience")

    def summary(self, config, names: Names) -> str:
        if not config.get("event"):
            return ""
        audience = f" → {names.audience(config['audience'])}" if config.get("audience") else ""
        return f"{names.event(config['event'])}{audience}"

    def references(self, config) -> References:
        refs = References()
        if isinstance(config.get("event"), str):
            refs.events.add(config["event"])
        if config.get("audience"):
            refs.audiences.add(config["audience"])
        return refs
