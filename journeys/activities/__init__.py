"""The activity catalogue: one module per node type of the contract.

Adding an activity type = adding one module here that defines one `Activity` subclass; it is
discovered at import. `PALETTE_ORDER` only orders the palette (unknown types go last).

    from journeys import activities
    activities.get("message")            # the Activity instance (KeyError if unknown)
    activities.all_activities()          # every type, palette order
    activities.palette()                 # [(category, label, [Activity, …]), …] for the canvas
    activities.ENTRY_TYPES               # {"read_audience", "unitary_event", …}
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from .base import (
    CATEGORY_LABELS,
    DEFAULT_PORT,
    ERROR_PORT,
    TIMEOUT_PORT,
    Activity,
    Names,
    Port,
    Problem,
    References,
    SettingsCheck,
)

PALETTE_ORDER = (
    "unitary_event",
    "read_audience",
    "audience_qualification",
    "business_event",
    "event",
    "reaction",
    "condition",
    "split",
    "wait",
    "jump",
    "end",
    "message",
    "action",
    "update_profile",
)


def _discover() -> dict[str, Activity]:
    found: dict[str, Activity] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, Activity)
                and cls is not Activity
                and cls.__module__ == module.__name__
            ):
                found[cls.type] = cls()
    rank = {name: index for index, name in enumerate(PALETTE_ORDER)}
    return dict(sorted(found.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])))


REGISTRY: dict[str, Activity] = _discover()
ENTRY_TYPES: frozenset[str] = frozenset(t for t, a in REGISTRY.items() if a.entry)
LISTENING_TYPES: frozenset[str] = frozenset(t for t, a in REGISTRY.items() if a.listens)


def get(type_: str) -> Activity:
    """The activity of a node type; KeyError when the type is unknown."""
    return REGISTRY[type_]


def all_activities() -> list[Activity]:
    return list(REGISTRY.values())


def palette() -> list[tuple[str, str, list[Activity]]]:
    """Palette groups in order: (category, label, activities)."""
    return [
        (category, label, [a for a in REGISTRY.values() if a.category == category])
        for category, label in CATEGORY_LABELS.items()
    ]


__all__ = [
    "CATEGORY_LABELS",
    "DEFAULT_PORT",
    "ENTRY_TYPES",
    "ERROR_PORT",
    "LISTENING_TYPES",
    "REGISTRY",
    "TIMEOUT_PORT",
    "Activity",
    "Names",
    "Port",
    "Problem",
    "References",
    "SettingsCheck",
    "all_activities",
    "get",
    "palette",
]
