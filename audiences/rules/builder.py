"""Server side of the reusable rule builder component (templates/audiences/_rule_builder.html,
static/js/rule-builder.js). A host page (audiences, event conditions, journey conditions):

1. builds a `RuleBuilder` with `rule_builder(...)`: the form field name, the current rule,
   its palette of typed fields and, optionally, where each field's value suggestions come from;
2. renders `{% include "audiences/_rule_builder.html" with builder=builder %}` in its form:
   the rule travels in a hidden input named `name`, in the contract's rule format;
3. shows server-side errors either at render time (`errors=` here) or, after an HTMX request,
   with `trigger_rule_errors(response, builder_id=..., errors=...)`, which the component maps
   to the offending condition.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse

from .fields import FieldSpec
from .validation import MAX_CONDITIONS, MAX_DEPTH, OPERATORS, OPS_BY_TYPE, RuleError

SuggestionsFor = Callable[[FieldSpec], str | None]
EMPTY_RULE: dict[str, list] = {"all": []}


def palette_json(
    fields: Mapping[str, FieldSpec], *, suggestions: SuggestionsFor | None = None
) -> list[dict[str, Any]]:
    """The palette as the component reads it: one entry per field, in the palette's order."""
    return [
        {
            "name": spec.name,
            "label": spec.display,
            "type": spec.type,
            "group": spec.group,
            "suggestions": suggestions(spec) if suggestions else None,
        }
        for spec in fields.values()
    ]


def _error_dicts(errors: Iterable[RuleError | Mapping[str, str]]) -> list[dict[str, str]]:
    return [e.as_dict() if isinstance(e, RuleError) else dict(e) for e in errors]


@dataclass
class RuleBuilder:
    """Everything the include needs. `id` must be unique in the page."""

    id: str
    name: str
    rule: Any
    fields: Mapping[str, FieldSpec]
    suggestions: SuggestionsFor | None = None
    errors: list[dict[str, str]] = field(default_factory=list)
    # The palette's heading; hosts may adapt the wording ("Profile fields", "Payload fields").
    palette_title: str = "Fields"
    # The root of error paths, as given to `validate_rule(path=...)`: "rule", "condition", ...
    path: str = "rule"

    @property
    def rule_json(self) -> str:
        return json.dumps(self.rule if self.rule is not None else EMPTY_RULE)

    @property
    def config_id(self) -> str:
        return f"{self.id}-config"

    @property
    def config(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "fields": palette_json(self.fields, suggestions=self.suggestions),
            "operators": OPERATORS,
            "opsByType": OPS_BY_TYPE,
            "maxDepth": MAX_DEPTH,
            "maxConditions": MAX_CONDITIONS,
            "errors": self.errors,
        }

    def palette_groups(self) -> list[tuple[str, list[FieldSpec]]]:
        """Fields grouped under their headings, for the left pane (server-rendered)."""
        groups: dict[str, list[FieldSpec]] = {}
        for spec in self.fields.values():
            groups.setdefault(spec.group or self.palette_title, []).append(spec)
        return list(groups.items())


def rule_builder(
    *,
    id: str,
    name: str,
    rule: Any,
    fields: Mapping[str, FieldSpec],
    suggestions: SuggestionsFor | None = None,
    errors: Iterable[RuleError | Mapping[str, str]] = (),
    palette_title: str = "Fields",
    path: str = "rule",
) -> RuleBuilder:
    """A builder for one rule input of a form (see the module docstring for the steps)."""
    return RuleBuilder(
        id=id,
        name=name,
        rule=rule,
        fields=fields,
        suggestions=suggestions,
        errors=_error_dicts(errors),
        palette_title=palette_title,
        path=path,
    )


def trigger_rule_errors(
    response: HttpResponse, *, builder_id: str, errors: Iterable[RuleError | Mapping[str, str]]
) -> HttpResponse:
    """Tell the builder `builder_id` (via an htmx `HX-Trigger` header) which parts of its rule
    are wrong; an empty list clears the messages it shows."""
    payload = {"rule-errors": {"builder": builder_id, "errors": _error_dicts(errors)}}
    response["HX-Trigger"] = json.dumps(payload)
    return response
