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
from typing import Generic, TypeVar

U = TypeVar("U")


class UsageRegistry(Generic[U]):
    """Providers registered by other apps, asked who uses some objects (by id). The one
    implementation of the pattern: audiences here, event configurations in `events.usage`."""

    def __init__(self) -> None:
        self._providers: list[Callable[[Collection[int]], Mapping[int, Sequence[U]]]] = []

    def register(self, provider: Callable[[Collection[int]], Mapping[int, Sequence[U]]]) -> None:
        if provider not in self._providers:
            self._providers.append(provider)

    def unregister(self, provider: Callable[[Collection[int]], Mapping[int, Sequence[U]]]) -> None:
        if provider in self._providers:
            self._providers.remove(provider)

    def usages(self, ids: Collection[int]) -> dict[int, list[U]]:
        """Every registered provider's usages of these ids, by id."""
        found: dict[int, list[U]] = {object_id: [] for object_id in ids}
        if not ids:
            return found
        for provider in list(self._providers):
            for object_id, items in provider(ids).items():
                if object_id in found:
                    found[object_id].extend(items)
        return found


@dataclass(frozen=True)
class Usage:
    label: str  # e.g. "Journey “Welcome” (v3, live)"
    url: str = ""


_audiences: UsageRegistry[Usage] = UsageRegistry()
register_usage_provider = _audiences.register
unregister_usage_provider = _audiences.unregister
usages = _audiences.usages  # usages(audience_ids) -> {audience_id: [Usage]}
