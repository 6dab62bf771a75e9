"""Compiling a (valid) rule to a Django `Q` over profile columns, for set-based SQL."""

from __future__ import annotations

from collections.abc import Mapping
from functools import reduce
from operator import and_, or_
from typing import Any

from django.db.models import Q

from .fields import FieldSpec
from .validation import coerce_value


def rule_to_q(rule: Mapping[str, Any], *, fields: Mapping[str, FieldSpec]) -> Q:
    """A `Q` selecting exactly the rows for which `evaluate.rule_matches` is true."""
    if "all" in rule:
        return reduce(and_, (rule_to_q(child, fields=fields) for child in rule["all"]))
    if "any" in rule:
        return reduce(or_, (rule_to_q(child, fields=fields) for child in rule["any"]))
    if "not" in rule:
        return ~rule_to_q(rule["not"], fields=fields)
    spec = fields[rule["field"]]
    if spec.lookup is None:
        raise ValueError(f"field {spec.name!r} cannot be compiled to SQL")
    return _condition(spec, rule["op"], rule.get("value"))


def _is_set(spec: FieldSpec) -> Q:
    column = spec.lookup
    if spec.type == "string":
        return Q(**{f"{column}__isnull": False}) & ~Q(**{column: ""})
    return Q(**{f"{column}__isnull": False})


def _condition(spec: FieldSpec, op: str, value: Any) -> Q:
    column = spec.lookup
    if op == "is_set":
        return _is_set(spec)
    if op == "is_not_set":
        return ~_is_set(spec)
    if op == "neq":
        return ~_condition(spec, "eq", value)
    if op == "not_in":
        return ~_condition(spec, "in", value)
    if op in ("eq", "in"):
        items = value if op == "in" else [value]
        if spec.type == "string":
            items = [item for item in items if item != ""]  # '' means "not set": never equal
            if not items:
                return Q(pk__in=[])
        return Q(**{f"{column}__in": [coerce_value(spec.type, item) for item in items]})
    if op == "between":
        low, high = (coerce_value(spec.type, item) for item in value)
        return Q(**{f"{column}__gte": low, f"{column}__lte": high})
    if op == "contains":
        return Q(**{f"{column}__icontains": value})
    if op == "starts_with":
        return Q(**{f"{column}__istartswith": value})
    lookup = {"gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte"}[op]
    return Q(**{f"{column}__{lookup}": coerce_value(spec.type, value)})
