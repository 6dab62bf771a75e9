"""Compiled conditions agree with the rule evaluator, and the catalogue's index never loses a
match (it only skips conditions that cannot hold)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from audiences.rules import rule_matches
from events.matching import CompiledConfiguration, build_catalogue, compile_rule
from events.palette import payload_palette

FIELDS = [
    {"path": "kind", "type": "string", "required": False},
    {"path": "store", "type": "string", "required": False},
    {"path": "amount", "type": "number", "required": False},
    {"path": "vip", "type": "boolean", "required": False},
    {"path": "order.count", "type": "integer", "required": False},
]
PALETTE = payload_palette(FIELDS)
values = {
    "kind": st.sampled_from(["a", "b", "c", ""]),
    "store": st.sampled_from(["s1", "s2", "S1"]),
    "amount": st.one_of(st.integers(-5, 5), st.floats(-5, 5, allow_nan=False)),
    "vip": st.booleans(),
    "order.count": st.integers(0, 3),
}
condition = st.sampled_from(list(values)).flatmap(
    lambda path: st.builds(
        lambda op, value: (
            {"field": path, "op": op, "value": value}
            if op not in ("is_set", "is_not_set")
            else {"field": path, "op": op}
        ),
        st.sampled_from(
            ["eq", "neq", "is_set"] if path != "amount" else ["eq", "gt", "lte", "is_not_set"]
        ),
        values[path],
    )
)
rule = st.recursive(
    condition,
    lambda children: st.one_of(
        st.builds(lambda c: {"all": c}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda c: {"any": c}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda c: {"not": c}, children),
    ),
    max_leaves=5,
)


def payloads():
    def build(flat):
        payload = {k: v for k, v in flat.items() if k != "order.count"}
        if "order.count" in flat:
            payload["order"] = {"count": flat["order.count"]}
        return payload

    return st.fixed_dictionaries({}, optional=values).map(build)


def compiled(index: int, rule_: dict) -> CompiledConfiguration:
    return CompiledConfiguration(
        id=index,
        name=f"c{index}",
        type="business",
        event_id=None,
        matches=compile_rule(rule_, PALETTE),
        fields=(),
        namespace="",
        profile_id_field="",
        condition=rule_,
    )


@settings(max_examples=120, deadline=None)
@given(rule_=rule, payload=payloads())
def test_compiled_conditions_agree_with_the_evaluator(rule_, payload):
    assert compile_rule(rule_, PALETTE)(payload) == rule_matches(rule_, payload, fields=PALETTE)


@settings(max_examples=80, deadline=None)
@given(rules=st.lists(rule, min_size=1, max_size=6), payload=payloads())
def test_the_catalogue_index_finds_exactly_the_matching_configurations(rules, payload):
    configs = [compiled(index, r) for index, r in enumerate(rules)]
    catalogue = build_catalogue(configs)
    assert [c.id for c in catalogue.matching(payload)] == [
        c.id for c in configs if c.matches(payload)
    ]
