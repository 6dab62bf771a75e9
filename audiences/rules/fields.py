"""Typed fields a rule may use. A palette is a mapping name -> FieldSpec."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FieldType = Literal["string", "integer", "number", "boolean", "datetime"]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: FieldType
    label: str = ""
    # ORM lookup path when the field can be compiled to SQL (profile columns); None otherwise.
    lookup: str | None = None
    # Whether the column can be NULL (integers); strings are stored as '' when unset.
    nullable: bool = False
    # Heading the field is listed under in the rule builder's palette ("Attributes", "Consent").
    group: str = ""

    @property
    def display(self) -> str:
        return self.label or self.name


def _profile_field(
    name: str, type_: FieldType, label: str, nullable: bool = False, group: str = "Attributes"
) -> FieldSpec:
    return FieldSpec(
        name=name, type=type_, label=label, lookup=name, nullable=nullable, group=group
    )


PROFILE_FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in [
        _profile_field("first_name", "string", "First name"),
        _profile_field("last_name", "string", "Last name"),
        _profile_field("city", "string", "City"),
        _profile_field("birth_year", "integer", "Birth year", nullable=True),
        _profile_field("timezone", "string", "Time zone"),
        _profile_field("phone", "string", "Phone", group="Contact & consent"),
        _profile_field("consent_email", "boolean", "Email consent", group="Contact & consent"),
        _profile_field("consent_push", "boolean", "Push consent", group="Contact & consent"),
        _profile_field("consent_sms", "boolean", "SMS consent", group="Contact & consent"),
        _profile_field("is_test", "boolean", "Test profile", group="Status"),
    ]
}
