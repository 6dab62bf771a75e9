"""The profile palette of the rule builder: profile fields, with value suggestions drawn from
the data for text columns (city, names, time zone). Audience pages use it; journey conditions
on profile attributes can too."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from audiences.rules import PROFILE_FIELDS, FieldSpec
from audiences.rules.builder import RuleBuilder, rule_builder
from audiences.selectors.audiences import SUGGESTED_FIELDS


def profile_value_suggestions_url(spec: FieldSpec) -> str | None:
    """Where the builder fetches suggested values of a profile field (`?q=<prefix>`)."""
    if spec.name not in SUGGESTED_FIELDS:
        return None
    return reverse("audiences:field_values", args=[spec.name])


def profile_rule_builder(
    *, rule: Any, id: str = "audience-rule", name: str = "rule", errors=()
) -> RuleBuilder:
    return rule_builder(
        id=id,
        name=name,
        rule=rule,
        fields=PROFILE_FIELDS,
        suggestions=profile_value_suggestions_url,
        errors=errors,
        palette_title="Profile fields",
    )
