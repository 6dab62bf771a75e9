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

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Usage:
    label: str  # e.g. "Journey “Welcome” (live, v3)"
    live: bool
    url: str = ""


UsageProvider = Callable[[Collection[int]], Mapping[int, Sequence[Usage]]]
_providers: list[UsageProvider] = []


def register_usage_provider(provider: UsageProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def unregister_usage_provider(provider: UsageProvider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def usages(configuration_ids: Collection[int]) -> dict[int, list[Usage]]:
    """Every registered provider's usages of these configurations, by configuration id."""
    found: dict[int, list[Usage]] = {config_id: [] for config_id in configuration_ids}
    if not configuration_ids:
        return found
    for provider in list(_providers):
        for config_id, items in provider(configuration_ids).items():
            if config_id in found:
                found[config_id].extend(items)
    return found


def live_usages(configuration_id: int) -> list[Usage]:
    """The live journeys (or other live users) of one configuration."""
    return [usage for usage in usages([configuration_id])[configuration_id] if usage.live]
