"""Validation: every code of journeys/codes.py is produced by the situation it documents."""

from __future__ import annotations

import copy

import pytest

from journeys import codes
from journeys.validation import validate_document

from .factories import EMAIL, PUSH, chain, doc, e, node, seed_document

pytestmark = pytest.mark.django_db


def problems(document, code, **kwargs):
    """The problems with `code` (records the code as tested)."""
    report = validate_document(document, **kwargs)
    return [p for p in report.problems if p.code == code]


def paths(document, code, **kwargs):
    return [p.path for p in problems(document, code, **kwargs)]


def test_the_seed_journey_is_valid(audience):
    report = validate_document(seed_document(audience.pk))
    assert report.valid, report.as_dict()
    assert report.as_dict()["valid"] is True
    # the purchase event has no timeout: profiles may wait long; the marketer is told
    assert [w.node for w in report.warnings if w.code == codes.WARN_RACE_NO_TIMEOUT] == ["purchase"]


def test_report_shape_matches_the_contract(audience):
    bad = chain(audience.pk, node("w", "wait", duration="P100D"))
    report = validate_document(bad).as_dict()
    assert report["valid"] is False
    error = report["errors"][0]
    assert set(error) >= {"code", "node", "message"}
    assert error == {
        "code": "ERR_DURATION_RANGE",
        "node": "w",
        "path": "nodes[1].config.duration",
        "message": "a wait must be between 1 s and 90 days (got 100 days)",
    }


# --- shape (malformed: never stored) ----------------------------------------------------------


def test_definition_shape(audience):
    assert paths([], codes.ERR_DEFINITION_SHAPE) == [""]
    assert paths({"name": "", "nodes": []}, codes.ERR_DEFINITION_SHAPE) == ["name"]
    assert "nodes" in paths({"name": "x"}, codes.ERR_DEFINITION_SHAPE)
    assert paths(doc([], [], colour="red"), codes.ERR_DEFINITION_SHAPE) == ["colour"]
    assert paths(
        doc([{"id": "a", "type": "end", "config": {}, "x": 1}]), codes.ERR_DEFINITION_SHAPE
    ) == ["nodes[0].x"]
    assert paths(doc([node("a", "end")], "nope"), codes.ERR_DEFINITION_SHAPE) == ["edges"]


def test_read_only_keys_of_an_export_are_accepted(audience):
    exported = seed_document(audience.pk) | {"id": 3, "status": "live", "version": 2, "revision": 7}
    assert validate_document(exported).valid


def test_node_ids_must_be_present_well_formed_and_unique():
    document = doc([node("a b", "end"), node("x", "end"), node("x", "end")])
    assert paths(document, codes.ERR_NODE_ID) == ["nodes[0].id", "nodes[2].id"]


def test_unknown_node_type():
    assert paths(doc([node("x", "teleport")]), codes.ERR_NODE_TYPE) == ["nodes[0].type"]


def test_edges_must_join_existing_nodes(audience):
    document = chain(audience.pk)
    document["edges"].append(e("start", "ghost"))
    assert paths(document, codes.ERR_EDGE_ENDPOINT) == ["edges[0].to"]


def test_duplicate_edge(audience):
    document = chain(audience.pk, node("end", "end"))
    document["edges"].append(e("start", "end"))
    assert paths(document, codes.ERR_EDGE_DUPLICATE) == ["edges[1]"]


def test_setting_invalid_names_the_field(audience):
    document = chain(audience.pk, node("m", "message", email=EMAIL, fax={"to": "x"}))
    assert paths(document, codes.ERR_SETTING_INVALID) == ["nodes[1].config.fax"]
    document = chain(audience.pk, node("r", "event", event="purchase", timeout="tomorrow"))
    assert paths(document, codes.ERR_SETTING_INVALID) == ["nodes[1].config.timeout"]
    document = chain(audience.pk, node("w", "wait", duration="P1M"))  # months: ambiguous
    assert paths(document, codes.ERR_SETTING_INVALID) == ["nodes[1].config.duration"]


def test_setting_range(audience):
    document = chain(audience.pk)
    document["nodes"][0]["config"]["rate"] = 50_000
    assert paths(document, codes.ERR_SETTING_RANGE) == ["nodes[0].config.rate"]


@pytest.mark.parametrize(
    ("type_", "config", "ok"),
    [
        ("wait", {"duration": "P90D"}, True),
        ("wait", {"duration": "P90DT1S"}, False),
        ("event", {"event": "purchase", "timeout": "PT40S"}, True),
        ("event", {"event": "purchase", "timeout": "PT39S"}, False),
        ("event", {"event": "purchase", "timeout": "P90D"}, True),
        ("event", {"event": "purchase", "timeout": "P91D"}, False),
    ],
)
def test_duration_guardrails(audience, type_, config, ok):
    document = chain(audience.pk, node("n", type_, **config))
    found = paths(document, codes.ERR_DURATION_RANGE)
    assert found == ([] if ok else [f"nodes[1].config.{next(k for k in config if k != 'event')}"])


def test_reaction_timeout_guardrail(audience):
    document = seed_document(audience.pk)
    document["nodes"][3]["config"]["timeout"] = "PT10S"
    assert paths(document, codes.ERR_DURATION_RANGE) == ["nodes[3].config.timeout"]


def test_at_most_50_activities(audience):
    waits = [node(f"w{i}", "wait", duration="PT1M") for i in range(49)]
    assert paths(chain(audience.pk, *waits), codes.ERR_TOO_MANY_ACTIVITIES) == []
    waits.append(node("w49", "wait", duration="PT1M"))
    assert paths(chain(audience.pk, *waits), codes.ERR_TOO_MANY_ACTIVITIES) == ["nodes"]


def test_properties(audience):
    document = chain(audience.pk)
    document["properties"] = {
        "reentrance": {"allowed": "yes", "wait": "PT5M"},
        "timezone": "Mars/Olympus",
        "start": "2030-01-02T00:00:00+00:00",
        "end": "2030-01-01T00:00:00+00:00",
    }
    assert sorted(paths(document, codes.ERR_PROPERTIES)) == [
        "properties.end",
        "properties.reentrance.allowed",
        "properties.timezone",
    ]
    document["properties"] = {
        "reentrance": {"allowed": True, "wait": "PT10M"},
        "timezone": "Europe/Paris",
    }
    assert paths(document, codes.ERR_PROPERTIES) == []


# --- entry -------------------------------------------------------------------------------------


def test_no_entry():
    assert paths(doc([node("m", "message", email=EMAIL)]), codes.ERR_NO_ENTRY) == ["nodes"]
    assert paths(doc([]), codes.ERR_NO_ENTRY) == ["nodes"]


def test_multiple_entries(audience):
    document = chain(audience.pk, node("m", "message", email=EMAIL))
    document["nodes"].append(node("e2", "unitary_event", event="purchase"))
    document["edges"].append(e("e2", "m"))
    assert [p.node for p in problems(document, codes.ERR_MULTIPLE_ENTRIES)] == ["e2"]


def test_entry_must_come_first(audience):
    document = doc(
        [node("m", "message", email=EMAIL), node("start", "read_audience", audience=audience.pk)],
        [e("m", "start")],
    )
    assert [p.node for p in problems(document, codes.ERR_ENTRY_NOT_FIRST)] == ["start"]


def test_business_event_needs_its_audience(audience):
    lone = doc(
        [node("b", "business_event", event="stock_low"), node("m", "message", email=EMAIL)],
        [e("b", "m")],
    )
    assert paths(lone, codes.ERR_BUSINESS_EVENT_AUDIENCE) == ["nodes[0].config.audience"]
    # followed by a read of its audience: fine, and that read is not a second entry
    read = doc(
        [
            node("b", "business_event", event="stock_low"),
            node("r", "read_audience", audience=audience.pk),
            node("m", "message", email=EMAIL),
        ],
        [e("b", "r"), e("r", "m")],
    )
    assert paths(read, codes.ERR_BUSINESS_EVENT_AUDIENCE) == []
    assert paths(read, codes.ERR_MULTIPLE_ENTRIES) == []
    assert paths(read, codes.ERR_ENTRY_NOT_FIRST) == []
    other = copy.deepcopy(read)
    other["nodes"][0]["config"]["audience"] = audience.pk + 1000
    assert paths(other, codes.ERR_BUSINESS_EVENT_AUDIENCE) == ["nodes[0].config.audience"]


def test_entry_type_cannot_change_across_versions(audience):
    document = chain(audience.pk, node("m", "message", email=EMAIL))
    assert paths(document, codes.ERR_ENTRY_TYPE_CHANGED, previous_entry_type="read_audience") == []
    assert paths(document, codes.ERR_ENTRY_TYPE_CHANGED, previous_entry_type="unitary_event") == [
        "nodes[0]"
    ]


# --- graph -------------------------------------------------------------------------------------


def test_unreachable(audience):
    document = chain(audience.pk, node("m", "message", email=EMAIL))
    document["nodes"].append(node("lost", "wait", duration="PT1H"))
    assert [p.node for p in problems(document, codes.ERR_UNREACHABLE)] == ["lost"]


def test_cycle(audience):
    document = chain(
        audience.pk, node("a", "wait", duration="PT1H"), node("b", "wait", duration="PT1H")
    )
    document["edges"].append(e("b", "a"))
    assert paths(document, codes.ERR_CYCLE) == ["edges[2]"]


def test_required_settings(audience):
    document = chain(audience.pk, node("m", "message"), node("w", "wait"), node("r", "reaction"))
    assert sorted(paths(document, codes.ERR_SETTING_REQUIRED)) == [
        "nodes[1].config.email",
        "nodes[2].config.duration",
        "nodes[3].config.action",
        "nodes[3].config.channel",
        "nodes[3].config.reaction",
    ]
    document = chain(audience.pk, node("m", "message", email={"subject": "Hi"}))
    assert paths(document, codes.ERR_SETTING_REQUIRED) == ["nodes[1].config.email.html"]


def test_edge_from_a_port_the_node_does_not_have(audience):
    document = chain(audience.pk, node("w", "wait", duration="PT1H"), node("x", "end"))
    document["edges"][-1]["port"] = "timeout"
    assert paths(document, codes.ERR_EDGE_PORT) == ["edges[1].port"]


def test_only_events_race_after_one_exit(audience):
    document = chain(audience.pk, node("m", "message", email=EMAIL))
    document["nodes"] += [
        node("a", "wait", duration="PT1H"),
        node("b", "event", event="purchase", timeout="P1D"),
    ]
    document["edges"] += [e("m", "a"), e("m", "b")]
    assert [p.node for p in problems(document, codes.ERR_PORT_FANOUT)] == ["m"]


def test_end_has_no_next(audience):
    document = chain(audience.pk, node("end", "end"), node("w", "wait", duration="PT1H"))
    problems_found = problems(document, codes.ERR_END_HAS_NEXT)
    assert [p.node for p in problems_found] == ["end"]
    assert paths(document, codes.ERR_EDGE_PORT) == ["edges[1].port"]


def test_reaction_directly_follows_its_message(audience):
    document = seed_document(audience.pk)
    document["nodes"].insert(2, node("pause", "wait", duration="PT1H"))
    document["edges"] = [
        x for x in document["edges"] if not (x["from"] == "first" and x["to"] == "push_opened")
    ]
    document["edges"] += [e("first", "pause"), e("pause", "push_opened")]
    assert [p.node for p in problems(document, codes.ERR_REACTION_PLACEMENT)] == ["push_opened"]
    document = seed_document(audience.pk)
    document["nodes"][2]["config"]["action"] = "reminder"
    assert [p.path for p in problems(document, codes.ERR_REACTION_PLACEMENT)] == [
        "nodes[2].config.action"
    ]


def test_reaction_channel_must_be_in_the_message(audience):
    document = seed_document(audience.pk)
    del document["nodes"][1]["config"]["push"]
    assert paths(document, codes.ERR_REACTION_CHANNEL) == ["nodes[2].config.channel"]


def test_one_timeout_per_race(audience):
    document = seed_document(audience.pk)
    document["nodes"][2]["config"]["timeout"] = "PT2H"
    assert paths(document, codes.ERR_RACE_TIMEOUTS) == ["nodes[3].config.timeout"]


def test_race_without_timeout_warns(audience):
    document = seed_document(audience.pk)
    del document["nodes"][3]["config"]["timeout"]
    document["edges"] = [x for x in document["edges"] if x.get("port") != "timeout"]
    found = problems(document, codes.WARN_RACE_NO_TIMEOUT)
    assert {p.node for p in found} == {"push_opened", "purchase"}


def test_timeout_without_a_path_warns(audience):
    document = seed_document(audience.pk)
    document["nodes"][5]["config"]["timeout"] = "P7D"
    assert paths(document, codes.WARN_TIMEOUT_NO_PATH) == ["nodes[5].config.timeout"]


def test_journey_timeout(audience):
    waits = [node(f"w{i}", "wait", duration="P30D") for i in range(3)]
    assert paths(chain(audience.pk, *waits), codes.ERR_JOURNEY_TIMEOUT) == []
    waits.append(node("w3", "wait", duration="P2D"))
    assert paths(chain(audience.pk, *waits), codes.ERR_JOURNEY_TIMEOUT) == ["nodes[4]"]


def test_template_syntax(audience):
    document = chain(
        audience.pk, node("m", "message", email=EMAIL | {"subject": "Hi {{ profile.first_name"})
    )
    found = problems(document, codes.ERR_TEMPLATE_SYNTAX)
    assert [p.path for p in found] == ["nodes[1].config.email.subject"]
    assert "line 1, column 4" in found[0].message


def test_condition_rules_use_the_journey_palette(audience):
    rule_ok = {"field": "profile.city", "op": "eq", "value": "Atlanta"}
    rule_bad = {"all": [{"field": "profile.birth_year", "op": "gt", "value": "old"}]}
    document = chain(
        audience.pk,
        node(
            "c",
            "condition",
            paths=[{"label": "A", "rule": rule_ok}, {"label": "B", "rule": rule_bad}],
        ),
    )
    assert paths(document, codes.ERR_CONDITION_RULE) == [
        "nodes[1].config.paths[1].rule.all[0].value"
    ]


def test_condition_without_other_warns(audience):
    document = chain(
        audience.pk,
        node(
            "c",
            "condition",
            paths=[{"label": "A", "rule": {"field": "profile.city", "op": "is_set"}}],
            other=False,
        ),
    )
    assert paths(document, codes.WARN_CONDITION_NO_OTHER) == ["nodes[1].config.other"]


def test_wait_until_in_the_past_warns(audience):
    document = chain(audience.pk, node("w", "wait", until="2001-01-01T00:00:00+00:00"))
    assert paths(document, codes.WARN_WAIT_UNTIL_PAST) == ["nodes[1].config.until"]


def test_end_date_in_the_past_warns(audience):
    document = chain(audience.pk) | {"properties": {"end": "2001-01-01T00:00:00+00:00"}}
    assert paths(document, codes.WARN_END_DATE_PAST) == ["properties.end"]


# --- references --------------------------------------------------------------------------------


def test_audience_must_exist(audience):
    assert paths(chain(audience.pk + 999), codes.ERR_AUDIENCE_NOT_FOUND) == [
        "nodes[0].config.audience"
    ]
    assert paths(chain(audience.name), codes.ERR_AUDIENCE_NOT_FOUND) == []  # by name works too


def test_jump_target_must_exist(audience):
    from journeys.services import journey_create

    target, _ = journey_create(document=doc([node("go", "unitary_event", event="signup")]))
    document = chain(audience.pk, node("j", "jump", journey=target.journey_id + 999))
    assert paths(document, codes.ERR_JOURNEY_NOT_FOUND) == ["nodes[1].config.journey"]
    document = chain(audience.pk, node("j", "jump", journey=target.journey_id))
    assert paths(document, codes.ERR_JOURNEY_NOT_FOUND) == []
    assert paths(document, codes.ERR_JOURNEY_NOT_FOUND, journey_id=target.journey_id) == [
        "nodes[1].config.journey"
    ]


def test_jump_into_a_non_event_journey_warns(audience):
    from journeys.services import journey_create

    target, _ = journey_create(document=chain(audience.pk))
    document = chain(audience.pk, node("j", "jump", journey=target.journey_id))
    assert paths(document, codes.WARN_JUMP_TARGET_ENTRY) == ["nodes[1].config.journey"]


def test_event_references(audience):
    from tests.journeys.factories import make_event_configuration

    make_event_configuration("purchase", type="unitary", namespace="crm_id")
    make_event_configuration("stock_low", type="business", namespace="")
    document = seed_document(audience.pk)
    document["nodes"][5]["config"]["event"] = "nope"
    assert paths(document, codes.ERR_EVENT_NOT_FOUND) == ["nodes[5].config.event"]
    document["nodes"][5]["config"]["event"] = "stock_low"
    assert paths(document, codes.ERR_EVENT_KIND) == ["nodes[5].config.event"]
    document["nodes"][5]["config"]["event"] = "purchase"
    assert paths(document, codes.ERR_NAMESPACE_MISMATCH) == ["nodes[5].config.event"]
    document["namespace"] = ""
    assert paths(document, codes.WARN_NO_NAMESPACE) == ["namespace"]


def test_custom_action_must_exist(audience):
    document = chain(audience.pk, node("a", "action", action=999_999))
    assert paths(document, codes.ERR_ACTION_NOT_FOUND) == ["nodes[1].config.action"]


def test_every_code_is_tested():
    """Each code of journeys/codes.py is asserted by a test of this module."""
    from pathlib import Path

    source = Path(__file__).read_text().split("def test_every_code_is_tested")[0]
    assert [code for code in codes.ALL_CODES if f"codes.{code}" not in source] == []


def test_every_code_is_documented():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "journey-validation.md").read_text()
    assert [code for code in codes.ALL_CODES if f"`{code}`" not in text] == []


def test_push_and_email_message_is_fine(audience):
    assert validate_document(chain(audience.pk, node("m", "message", email=EMAIL, push=PUSH))).valid


def test_condition_on_event_fields_of_the_journey(audience):
    from .factories import make_event_configuration

    config = make_event_configuration("purchase")
    config.fields = [*config.fields, {"path": "amount", "type": "number"}]
    config.save()
    rule = {"all": [{"field": "event.purchase.amount", "op": "gt", "value": 50}]}
    document = seed_document(audience.pk)
    document["nodes"].append(
        node("big", "condition", paths=[{"label": "Big spender", "rule": rule}])
    )
    document["edges"].append(e("thanks", "big"))
    assert paths(document, codes.ERR_CONDITION_RULE) == []
    rule["all"][0]["field"] = "event.purchase.colour"
    found = problems(document, codes.ERR_CONDITION_RULE)
    assert [p.path for p in found] == ["nodes[7].config.paths[0].rule.all[0].field"]


def test_node_summaries_read_well():
    from journeys import activities
    from journeys.activities import Names

    message = activities.get("message").summary(
        {
            "email": {
                "subject": "Welcome, {{ profile.first_name | default('there') }}!{% if x %} VIP{% endif %}"
            },
            "push": {"body": "x"},
        },
        Names(),
    )
    assert message == "Email + Push · Welcome, {first_name}! VIP"
    reaction = activities.get("reaction").summary(
        {"channel": "email", "reaction": "opened", "timeout": "P1D"}, Names()
    )
    assert reaction == "Email opened · timeout 1 day"
    assert activities.get("split").summary({"weights": [1, 3]}, Names()) == "25% / 75%"
    assert activities.get("wait").summary({"duration": "PT90M"}, Names()) == "1 h 30 min"
