"""Audience qualification: a profile enters when it qualifies for (or leaves) an audience."""

from .base import Activity, Names, References, SettingsCheck, svg

BEHAVIORS = ("enter", "exit")


class AudienceQualification(Activity):
    type = "audience_qualification"
    label = "Audience qualification"
    category = "events"
    description = "A profile enters when it joins (or leaves) an audience."
    icon = svg(
        '<circle cx="10" cy="8" r="3.2"/><path d="M4 19c.6-3.3 3-5 6-5 1.4 0 2.7.4 3.7 1.1"/>',
        '<path d="m15 18 2 2 4-4"/>',
    )
    colour = "#06b6d4"
    entry = True

    def default_config(self, *, previous=None):
        return {"behavior": "enter"}

    def check_settings(self, check: SettingsCheck) -> None:
        check.known_keys("audience", "behavior")
        check.reference("audience", required="choose the audience")
        check.string("behavior", choices=BEHAVIORS)

    def summary(self, config, names: Names) -> str:
        if not config.get("audience"):
            return ""
        verb = "leaves" if config.get("behavior") == "exit" else "joins"
        return f"{verb} {names.audience(config['audience'])}"

    def references(self, config) -> References:
        refs = References()
        if config.get("audience"):
            refs.audiences.add(config["audience"])
        return refs
