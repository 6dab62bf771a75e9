"""Condition: paths in order, each with a rule; the first that matches wins; `other` catches
the rest. Rules use the contract's format with fields `profile.X` and `event.NAME.X`."""

from journeys import guardrails

from .base import Activity, Names, Port, SettingsCheck, svg


class Condition(Activity):
    type = "condition"
    label = "Condition"
    category = "orchestration"
    description = "Send profiles down different paths depending on their data."
    icon = svg(
        '<circle cx="6" cy="6" r="2"/><circle cx="18" cy="6" r="2"/><circle cx="12" cy="19" r="2"/>',
        '<path d="M12 17v-3c0-2-6-3-6-6M12 14c0-2 6-3 6-6"/>',
    )
    colour = "#0891b2"

    def default_config(self, *, previous=None):
        return {"paths": [{"label": "Path 1", "rule": {"all": []}}], "other": True}

    def check_settings(self, check: SettingsCheck) -> None:
        """Shapes only; rules are checked against the journey's palette in validation."""
        check.known_keys("paths", "other")
        paths = check.config.get("paths")
        if not paths:
            check.missing("paths", "add at least one path")
        elif not isinstance(paths, list):
            check.invalid("paths", "must be a list of {label, rule}")
        elif len(paths) > guardrails.MAX_PATHS:
            check.add("ERR_SETTING_RANGE", f"at most {guardrails.MAX_PATHS} paths", "paths")
        else:
            for index, item in enumerate(paths):
                key = f"paths[{index}]"
                if not isinstance(item, dict):
                    check.invalid(key, "must be an object {label, rule}")
                    continue
                unknown = set(item) - {"label", "rule"}
                if unknown:
                    check.invalid(key, f"unknown key(s): {', '.join(sorted(unknown))}")
                if not isinstance(item.get("label", ""), str):
                    check.invalid(f"{key}.label", "must be a string")
                if not isinstance(item.get("rule"), dict):
                    check.invalid(
                        f"{key}.rule", "must be a rule object (all/any/not or a condition)"
                    )
        if "other" in check.config and not isinstance(check.config["other"], bool):
            check.invalid("other", "must be true or false")

    def ports(self, config):
        paths = config.get("paths") if isinstance(config.get("paths"), list) else []
        ports = [
            Port(
                f"path-{index}",
                (item.get("label") if isinstance(item, dict) else "") or f"Path {index}",
            )
            for index, item in enumerate(paths, start=1)
        ]
        if config.get("other", True):
            ports.append(Port("other", "Other"))
        return ports

    def summary(self, config, names: Names) -> str:
        count = len(config.get("paths") or [])
        return f"{count} path{'s' if count != 1 else ''}" + (
            " + other" if config.get("other", True) else ""
        )
