"""Who uses an audience, answered by other apps without `audiences` importing them.

    from audiences.usage import Usage, register_usage_provider

    def journeys_using(audience_ids):               # in journeys' AppConfig.ready()
        return {audience_id: [Usage(label="Journey “Welcome” (v3, live)", url="/journeys/7/")]}

    register_usage_provider(journeys_using)

A provider receives a collection of audience ids and returns, for the ids it knows about, the
list of its usages. Any usage prevents deleting the audience (`audience_delete` refuses, naming
them); the builder page lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Usage:
    label: str  # e.g. "Journey “Welcome” (v3, live)"
    url: str = ""


UsageProvider = Callable[[Collection[int]], Mapping[int, Sequence[Usage]]]
_providers: list[UsageProvider] = []


def register_usage_provider(provider: UsageProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def unregister_usage_provider(provider: UsageProvider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def usages(audience_ids: Collection[int]) -> dict[int, list[Usage]]:
    """Every registered provider's usages of these audiences, by audience id."""
    found: dict[int, list[Usage]] = {audience_id: [] for audience_id in audience_ids}
    if not audience_ids:
        return found
    for provider in list(_providers):
        for audience_id, items in provider(audience_ids).items():
            if audience_id in found:
                found[audience_id].extend(items)
    return found
