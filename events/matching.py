"""Which configurations an incoming payload is, with conditions compiled once per change.

`current_catalogue()` answers the compiled configurations. Each process keeps them cached and
checks a fingerprint (`id, updated_at` of every configuration: one tiny query per request), so a
change made by any process (page, API, admin) is seen by every server process on its next
request, while an unchanged condition is never validated or parsed again.

A compiled condition is a tree of closures over the rule's groups; each leaf applies
`audiences.rules.evaluate`'s condition semantics to the payload value at the field's path, so
event matching, audiences and journey conditions agree on every operator.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from audiences.rules import FieldSpec
from audiences.rules.evaluate import _condition, lookup
from audiences.rules.validation import parse_datetime
from events.models import EventConfiguration
from events.palette import payload_palette

MAX_IDENTIFIER = 255  # Identity.value
Matcher = Callable[[Mapping[str, Any]], bool]


def compile_rule(rule: Mapping[str, Any], fields: Mapping[str, FieldSpec]) -> Matcher:
    """A function of a payload, true exactly when `audiences.rules.rule_matches` is (the rule
    must be valid for `fields`)."""
    if "all" in rule:
        children = [compile_rule(child, fields) for child in rule["all"]]
        return lambda record: all(child(record) for child in children)
    if "any" in rule:
        children = [compile_rule(child, fields) for child in rule["any"]]
        return lambda record: any(child(record) for child in children)
    if "not" in rule:
        inner = compile_rule(rule["not"], fields)
        return lambda record: not inner(record)
    spec, op, value, path = fields[rule["field"]], rule["op"], rule.get("value"), rule["field"]
    return lambda record: _condition(spec, op, value, lookup(record, path))


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "string": lambda value: isinstance(value, str),
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda value: isinstance(value, bool),
    "datetime": lambda value: isinstance(value, str) and parse_datetime(value) is not None,
}


@dataclass(frozen=True)
class CompiledConfiguration:
    id: int
    name: str
    type: str
    event_id: str | None
    matches: Matcher | None  # rule-based only
    fields: tuple[tuple[str, Callable[[Any], bool], bool], ...]  # (path, type check, required)
    namespace: str
    profile_id_field: str
    condition: Any = None  # the rule as stored (indexed by `build_catalogue`)

    @property
    def is_unitary(self) -> bool:
        return self.type == EventConfiguration.Type.UNITARY

    def problem(self, payload: Mapping[str, Any]) -> str | None:
        """Why `payload` is not a valid instance of this event (`missing_field:email`,
        `invalid_type:amount`), or None."""
        for path, type_ok, required in self.fields:
            value = lookup(payload, path)
            if value is None:
                if required or path == self.profile_id_field:
                    return f"missing_field:{path}"
            elif not type_ok(value):
                return f"invalid_type:{path}"
            elif path == self.profile_id_field:
                identifier = str(value).strip()
                if not identifier:
                    return f"missing_field:{path}"
                if len(identifier) > MAX_IDENTIFIER or "\x00" in identifier:
                    return f"invalid_type:{path}"
        return None

    def identifier(self, payload: Mapping[str, Any]) -> str:
        """The profile identifier of a valid unitary payload, as an identity value."""
        return str(lookup(payload, self.profile_id_field)).strip()


@dataclass(frozen=True)
class Catalogue:
    """The compiled configurations, with an index that narrows which rule-based conditions a
    payload can possibly satisfy."""

    rule_based: tuple[CompiledConfiguration, ...]
    by_event_id: Mapping[str, CompiledConfiguration]
    # {path: {value: configurations}}: configurations whose condition requires `path eq value`
    by_required_value: Mapping[str, Mapping[Any, tuple[CompiledConfiguration, ...]]] = field(
        default_factory=dict
    )
    always_checked: tuple[CompiledConfiguration, ...] = ()

    def matching(self, payload: Mapping[str, Any]) -> list[CompiledConfiguration]:
        """The rule-based configurations whose condition `payload` satisfies, in catalogue order.
        The index only skips conditions that cannot hold (a required `eq` is not met, since
        `eq` implies Python equality); every candidate still runs its whole condition."""
        candidates = list(self.always_checked)
        for path, by_value in self.by_required_value.items():
            value = lookup(payload, path)
            try:
                candidates.extend(by_value.get(value, ()))
            except TypeError:  # unhashable (a list, an object): equal to no literal
                continue
        if len(candidates) > 1:
            order = {config.id: index for index, config in enumerate(self.rule_based)}
            candidates.sort(key=lambda config: order[config.id])
        return [config for config in candidates if config.matches(payload)]


def _required_equalities(rule: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """(path, literal) pairs every matching payload must equal: `eq` conditions at the top or
    directly inside top-level `all` groups."""
    if "all" in rule:
        return [pair for child in rule["all"] for pair in _required_equalities(child)]
    if rule.get("op") == "eq" and isinstance(rule.get("value"), str | int | float | bool):
        return [(rule["field"], rule["value"])]
    return []


def build_catalogue(configurations: list[CompiledConfiguration]) -> Catalogue:
    """Index each rule-based configuration under its most selective required equality (the
    path with the most distinct values across configurations); the others are always checked."""
    rule_based = tuple(c for c in configurations if c.matches is not None)
    pairs = {c.id: _required_equalities(c.condition or {}) for c in rule_based}
    distinct: dict[str, set] = {}
    for config_pairs in pairs.values():
        for path, value in config_pairs:
            distinct.setdefault(path, set()).add(value)
    index: dict[str, dict[Any, list[CompiledConfiguration]]] = {}
    always: list[CompiledConfiguration] = []
    for config in rule_based:
        if not pairs[config.id]:
            always.append(config)
            continue
        path, value = max(pairs[config.id], key=lambda pair: len(distinct[pair[0]]))
        index.setdefault(path, {}).setdefault(value, []).append(config)
    return Catalogue(
        rule_based=rule_based,
        by_event_id={c.event_id: c for c in configurations if c.event_id},
        by_required_value={
            path: {v: tuple(cs) for v, cs in by_value.items()} for path, by_value in index.items()
        },
        always_checked=tuple(always),
    )


def compile_configuration(config: EventConfiguration) -> CompiledConfiguration:
    palette = payload_palette(config.fields)
    return CompiledConfiguration(
        id=config.pk,
        name=config.name,
        type=config.type,
        event_id=config.event_id,
        matches=compile_rule(config.condition, palette)
        if config.is_rule_based and config.condition
        else None,
        fields=tuple(
            (f["path"], TYPE_CHECKS[f["type"]], bool(f.get("required"))) for f in config.fields
        ),
        namespace=config.namespace,
        profile_id_field=config.profile_id_field,
        condition=config.condition,
    )


_lock = threading.Lock()
_state: dict[str, Any] = {"fingerprint": None, "catalogue": None, "compiled": {}}


def current_catalogue() -> Catalogue:
    """The compiled configurations as the database has them now (recompiling only changed ones)."""
    fingerprint = tuple(EventConfiguration.objects.order_by("id").values_list("id", "updated_at"))
    with _lock:
        if fingerprint == _state["fingerprint"]:
            return _state["catalogue"]
    compiled: dict[tuple, CompiledConfiguration] = dict(_state["compiled"])
    stale = [key for key in fingerprint if key not in compiled]
    fresh: dict[int, CompiledConfiguration] = {}
    if stale:
        for config in EventConfiguration.objects.filter(pk__in=[pk for pk, _ in stale]):
            fresh[config.pk] = compiled[(config.pk, config.updated_at)] = compile_configuration(
                config
            )
    # A configuration saved again between the two queries is used as just loaded.
    current = [compiled.get(key) or fresh.get(key[0]) for key in fingerprint]
    current = [c for c in current if c is not None]
    catalogue = build_catalogue(current)
    with _lock:
        _state.update(
            fingerprint=fingerprint,
            catalogue=catalogue,
            compiled={key: compiled[key] for key in fingerprint if key in compiled},
        )
    return catalogue


def clear_cache() -> None:
    with _lock:
        _state.update(fingerprint=None, catalogue=None, compiled={})
