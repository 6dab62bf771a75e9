"""Creating, changing and deleting audiences. A rule is validated against the profile palette
first; an invalid audience is refused whole, with every error naming its field or rule path
(`rule.all[1].value`), and nothing is saved."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from audiences.models import Audience
from audiences.rules import PROFILE_FIELDS, validate_rule
from audiences.usage import Usage, usages

NAME_MAX_LENGTH = Audience._meta.get_field("name").max_length


class AudienceInvalid(Exception):
    """Raised with `errors`: `[{"field": "rule.all[1].op", "message": ...}, ...]`."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))
        self.errors = errors


def audience_validate(
    *, name: Any, rule: Any, audience: Audience | None = None
) -> list[dict[str, str]]:
    """Every error of a would-be audience (empty: valid). Steps: the name (required, length,
    unique ignoring case), then the rule against the profile palette."""
    errors: list[dict[str, str]] = []
    if not isinstance(name, str) or not name.strip():
        errors.append({"field": "name", "message": "required: give the audience a name"})
    elif len(name.strip()) > NAME_MAX_LENGTH:
        errors.append({"field": "name", "message": f"at most {NAME_MAX_LENGTH} characters"})
    else:
        clash = Audience.objects.filter(name__iexact=name.strip())
        if audience is not None:
            clash = clash.exclude(pk=audience.pk)
        if clash.exists():
            errors.append({"field": "name", "message": "an audience with this name already exists"})
    errors.extend(error.as_dict() for error in validate_rule(rule, fields=PROFILE_FIELDS))
    return errors


@transaction.atomic
def audience_create(*, name: str, rule: Any, description: str = "") -> Audience:
    """Validate, then save a new audience. Raises AudienceInvalid (nothing saved)."""
    errors = audience_validate(name=name, rule=rule)
    if errors:
        raise AudienceInvalid(errors)
    return Audience.objects.create(name=name.strip(), rule=rule, description=description or "")


@transaction.atomic
def audience_update(
    *,
    audience: Audience,
    name: str | None = None,
    rule: Any = None,
    description: str | None = None,
) -> Audience:
    """Change what is given (None: unchanged). Validates the resulting audience as a whole;
    raises AudienceInvalid and leaves the stored audience untouched when it is invalid."""
    new_name = audience.name if name is None else name
    new_rule = audience.rule if rule is None else rule
    errors = audience_validate(name=new_name, rule=new_rule, audience=audience)
    if errors:
        raise AudienceInvalid(errors)
    audience.name = new_name.strip()
    audience.rule = new_rule
    if description is not None:
        audience.description = description
    audience.save()
    return audience


def audience_delete(*, audience: Audience) -> None:
    """Refused while anything uses the audience (a journey draft, test, live or closed version
    reading it): raises AudienceInvalid naming them, nothing deleted."""
    used = usages([audience.pk])[audience.pk]
    if used:
        raise AudienceInvalid([{"field": "non_field_errors", "message": in_use_message(used)}])
    audience.delete()


def in_use_message(used: Sequence[Usage]) -> str:
    """Why an audience cannot be deleted: "used by Journey “Welcome” (v1, live): remove it
    there first"."""
    return f"used by {', '.join(usage.label for usage in used)}: remove it there first"
