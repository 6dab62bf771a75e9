"""Look up what a definition refers to (audiences, event configurations, custom actions,
journeys) in one query per kind, for validation (do they exist?) and node summaries (names).

Events and custom actions are owned by other parts (`events.EventConfiguration`,
`journeys.CustomAction`); they are found through the app registry so this module works before
and after those models exist (`available` says whether a kind could be checked).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from audiences.rules import PROFILE_FIELDS, FieldSpec

from . import activities
from .activities import Names, References


def definition_references(definition: dict[str, Any] | None) -> References:
    """Everything the nodes name, merged, to resolve in one query per kind."""
    refs = References()
    for node in (definition or {}).get("nodes") or []:
        config = node.get("config")
        try:
            found = activities.get(node["type"]).references(
                config if isinstance(config, dict) else {}
            )
        except KeyError:
            continue
        refs.audiences |= found.audiences
        refs.events |= found.events
        refs.actions |= found.actions
        refs.journeys |= found.journeys
    return refs


def _split(refs: set[Any]) -> tuple[set[int], set[str]]:
    ids = {ref for ref in refs if isinstance(ref, int) and not isinstance(ref, bool)}
    names = {ref for ref in refs if isinstance(ref, str)}
    return ids, names


@dataclass
class EventInfo:
    name: str
    kind: str | None  # "unitary" | "business" | None when unknown
    namespace: str | None
    fields: dict[str, FieldSpec] = field(default_factory=dict)


@dataclass
class Resolved(Names):
    """What exists, with display names. Keys are the references as written in the config."""

    audiences: dict[Any, str] = field(default_factory=dict)
    events: dict[str, EventInfo] = field(default_factory=dict)
    actions: dict[Any, str] = field(default_factory=dict)
    journeys: dict[int, tuple[str, str | None]] = field(default_factory=dict)  # name, entry type

    def audience(self, ref):
        return self.audiences.get(ref) or super().audience(ref)

    def action(self, ref):
        return self.actions.get(ref) or super().action(ref)

    def journey(self, ref):
        return self.journeys[ref][0] if ref in self.journeys else super().journey(ref)


def resolve(refs: References) -> Resolved:
    """One query per kind of reference present."""
    out = Resolved()
    if refs.audiences:
        _resolve_audiences(refs.audiences, out)
    if refs.events:
        _resolve_events(refs.events, out)
    if refs.actions:
        _resolve_actions(refs.actions, out)
    if refs.journeys:
        _resolve_journeys(refs.journeys, out)
    return out


def _resolve_audiences(refs: set[Any], out: Resolved) -> None:
    from django.db.models import Q

    from audiences.models import Audience

    ids, names = _split(refs)
    for pk, name in Audience.objects.filter(Q(pk__in=ids) | Q(name__in=names)).values_list(
        "pk", "name"
    ):
        if pk in ids:
            out.audiences[pk] = name
        if name in names:
            out.audiences[name] = name


def _resolve_events(names: set[str], out: Resolved) -> None:
    from events.models import EventConfiguration

    for config in EventConfiguration.objects.filter(name__in=names):
        out.events[config.name] = EventInfo(
            name=config.name,
            kind=config.type,
            namespace=config.namespace,
            fields=event_palette(config),
        )


def event_palette(config: Any) -> dict[str, FieldSpec]:
    """`event.NAME.path` fields of one event configuration (its payload palette)."""
    from events.selectors import configuration_palette

    return {
        f"event.{config.name}.{spec.name}": FieldSpec(
            name=f"event.{config.name}.{spec.name}",
            type=spec.type,
            label=f"{config.name} · {spec.display}",
        )
        for spec in configuration_palette(config).values()
    }


def _resolve_actions(refs: set[Any], out: Resolved) -> None:
    from journeys.models import CustomAction

    ids, names = _split(refs)
    for action in CustomAction.objects.filter(Q(pk__in=ids) | Q(name__in=names)):
        if action.pk in ids:
            out.actions[action.pk] = action.name
        if action.name in names:
            out.actions[action.name] = action.name


def _resolve_journeys(ids: set[int], out: Resolved) -> None:
    from journeys.models import Journey

    for journey in Journey.objects.filter(pk__in=ids).only("pk", "name", "entry_type"):
        out.journeys[journey.pk] = (journey.name, journey.entry_type or None)


def journey_palette(events: dict[str, EventInfo]) -> dict[str, FieldSpec]:
    """Fields a journey condition may use: `profile.X` and `event.NAME.X`."""
    fields = {
        f"profile.{name}": FieldSpec(
            name=f"profile.{name}", type=spec.type, label=f"Profile · {spec.display}"
        )
        for name, spec in PROFILE_FIELDS.items()
    }
    for info in events.values():
        fields.update(info.fields)
    return fields
