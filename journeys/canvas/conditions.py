"""The condition activity's panel: one rule builder (audiences' reusable component) per path,
over the journey's palette — `profile.X` fields and `event.NAME.X` of the events the journey
uses — with validation errors shown at the condition they point to.

While the marketer edits a rule, the panel is not redrawn (that would take the focus away);
the save answers with the canvas regions only and sends the rule's errors to its builder.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from audiences.rules.builder import RuleBuilder, rule_builder
from journeys.activities import References
from journeys.references import journey_palette, resolve

from .presenter import CanvasState


def builder_id(node_id: str, index: int) -> str:
    return f"rule-{node_id}-{index}"


def condition_fields(state: CanvasState) -> dict[str, Any]:
    """The journey palette, grouped for the builder's left pane (Profile, then each event)."""
    events = {
        c.placed.config.get("event")
        for c in state.cards
        if c.placed.type in ("unitary_event", "event", "business_event")
        and isinstance(c.placed.config.get("event"), str)
    }
    resolved = resolve(References(events=events)) if events else None
    fields = journey_palette(resolved.events if resolved else {})
    grouped = {}
    for name, spec in fields.items():
        group = "Profile" if name.startswith("profile.") else "Event · " + name.split(".")[1]
        label = spec.display.split(" · ", 1)[-1]
        grouped[name] = dataclasses.replace(spec, group=group, label=label)
    return grouped


def rule_errors(errors: dict[str, list[str]], index: int) -> list[dict[str, str]]:
    """This path's rule errors, with paths relative to the node config (`paths[0].rule.all[1]`)."""
    prefix = f"paths[{index}].rule"
    return [
        {"field": key, "message": message}
        for key, messages in errors.items()
        if key == prefix or key.startswith((prefix + ".", prefix + "["))
        for message in messages
    ]


def condition_builder(
    state: CanvasState,
    node_id: str,
    index: int,
    rule: Any,
    errors: dict[str, list[str]],
    fields: dict[str, Any] | None = None,
) -> RuleBuilder:
    return rule_builder(
        id=builder_id(node_id, index),
        name=f"paths[{index}].rule",
        rule=rule if isinstance(rule, dict) else None,
        fields=fields if fields is not None else condition_fields(state),
        errors=rule_errors(errors, index),
        path=f"paths[{index}].rule",
        palette_title="Fields",
    )


def only_rules_changed(before: dict[str, Any], after: dict[str, Any]) -> int | None:
    """The index of the one path whose rule changed, when nothing else did (else None)."""
    old, new = before.get("paths"), after.get("paths")
    if not isinstance(old, list) or not isinstance(new, list) or len(old) != len(new):
        return None
    if before.get("other") != after.get("other"):
        return None
    changed = None
    for index, (a, b) in enumerate(zip(old, new, strict=True)):
        if not isinstance(a, dict) or not isinstance(b, dict) or a.get("label") != b.get("label"):
            return None
        if a.get("rule") != b.get("rule"):
            if changed is not None:
                return None
            changed = index
    return changed
