"""Custom action: call a configured third-party system (HTTP) with templated parameters."""

from .base import DEFAULT_PORT, ERROR_PORT, Activity, Names, References, SettingsCheck, svg


class Action(Activity):
    type = "action"
    label = "Custom action"
    category = "actions"
    description = "Call a configured third-party system, with personalised parameters."
    icon = svg('<path d="M9 7 4 12l5 5M15 7l5 5-5 5"/>')
    colour = "#8b5cf6"

    def default_config(self, *, previous=None):
        return {"params": {}}

    def check_settings(self, check: SettingsCheck) -> None:
        check.known_keys("action", "params")
        check.reference("action", required="choose the custom action to call")
        if "params" in check.config and (params := check.child("params")) is not None:
            for key, value in params.config.items():
                if isinstance(value, str):
                    params.template(key)
                elif value is not None and not isinstance(value, int | float | bool):
                    params.invalid(key, "must be text (a template), a number or true/false")

    def ports(self, config):
        return [DEFAULT_PORT, ERROR_PORT]

    def summary(self, config, names: Names) -> str:
        return names.action(config["action"]) if config.get("action") else ""

    def references(self, config) -> References:
        refs = References()
        if config.get("action"):
            refs.actions.add(config["action"])
        return refs
