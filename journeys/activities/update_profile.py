"""Update profile: set profile attributes (core fields or custom ones); values may be templates.

{"attributes": {"loyalty_tier": "gold", "last_product": "{{ event.purchase.product }}"}}
"""

import re

from .base import DEFAULT_PORT, ERROR_PORT, Activity, Names, SettingsCheck, svg

ATTRIBUTE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class UpdateProfile(Activity):
    type = "update_profile"
    label = "Update profile"
    category = "actions"
    description = "Set attributes of the profile, from fixed values or event data."
    icon = svg(
        '<circle cx="9" cy="8" r="3.2"/><path d="M3 19c.6-3.3 3-5 6-5 1.2 0 2.3.3 3.2.8"/>',
        '<path d="m14 20 .5-2.5 5-5 2 2-5 5z"/>',
    )
    colour = "#14b8a6"

    def default_config(self, *, previous=None):
        return {"attributes": {}}

    def check_settings(self, check: SettingsCheck) -> None:
        check.known_keys("attributes")
        if not check.present("attributes"):
            check.missing("attributes", "set at least one attribute")
            return
        attributes = check.child("attributes")
        if attributes is None:
            return
        for key, value in attributes.config.items():
            if not ATTRIBUTE_NAME.match(key):
                attributes.invalid(key, "attribute names use letters, digits and _")
            elif isinstance(value, str):
                attributes.template(key)
            elif value is not None and not isinstance(value, int | float | bool):
                attributes.invalid(key, "must be text (a template), a number, true/false or null")

    def ports(self, config):
        return [DEFAULT_PORT, ERROR_PORT]

    def summary(self, config, names: Names) -> str:
        keys = list((config.get("attributes") or {}).keys())
        if not keys:
            return ""
        return "sets " + ", ".join(keys[:3]) + (f" +{len(keys) - 3}" if len(keys) > 3 else "")
