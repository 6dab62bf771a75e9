"""Who uses an event configuration, answered by other apps without `events` importing them.

    from events.usage import Usage, register_usage_provider

    def journeys_using(configuration_ids):          # in journeys' AppConfig.ready()
        return {config_id: [Usage(label="Welcome (v3)", live=True, url="/journeys/7/")], ...}

    register_usage_provider(journeys_using)

A provider receives a collection of configuration ids and returns, for the ids it knows about,
the list of its usages. `live=True` means a published journey depends on the configuration: it
then accepts only name/description changes and new fields, and cannot be deleted. Any usage
(draft or live) prevents deletion.
"""

from __future__ import annotations

from dataclasses import dataclass

from audiences.usage import UsageRegistry


@dataclass(frozen=True)
class Usage:
    label: str  # e.g. "Journey “Welcome” (live, v3)"
    live: bool
    url: str = ""


_configurations: UsageRegistry[Usage] = UsageRegistry()
register_usage_provider = _configurations.register
unregister_usage_provider = _configurations.unregister
usages = _configurations.usages  # usages(configuration_ids) -> {configuration_id: [Usage]}


def live_usages(configuration_id: int) -> list[Usage]:
    """The live journeys (or other live users) of one configuration."""
    return [usage for usage in usages([configuration_id])[configuration_id] if usage.live]
