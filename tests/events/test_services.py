"""Event configurations and ingestion, through the services."""

from __future__ import annotations

import pytest

from audiences.models import Identity, Profile
from events.models import Event, EventConfiguration, EventMatch
from events.services import (
    EventConfigurationInvalid,
    event_configuration_create,
    event_configuration_delete,
    event_configuration_update,
    events_ingest,
)
from events.usage import Usage, register_usage_provider, unregister_usage_provider

from .conftest import purchase_data

pytestmark = pytest.mark.django_db


def errors_of(data, config=None, partial=False):
    with pytest.raises(EventConfigurationInvalid) as caught:
        if config is None:
            event_configuration_create(data=data)
        else:
            event_configuration_update(config=config, data=data, partial=partial)
    return {(e["field"], e["message"]) for e in caught.value.errors}


def fields_of(errors):
    return {field for field, _ in errors}


# --- configurations ---------------------------------------------------------------------------


def test_the_seed_purchase_event_is_created(purchase):
    assert purchase.name == "purchase"
    assert purchase.is_rule_based and purchase.event_id is None
    assert [f["path"] for f in purchase.fields][:2] == ["email", "purchaseMessage"]


def test_a_system_generated_event_gets_an_event_id_on_save(stock_alert):
    assert stock_alert.event_id and len(stock_alert.event_id) >= 16
    other = event_configuration_create(
        data={"name": "price_drop", "type": "business", "id_type": "system_generated", "fields": []}
    )
    assert other.event_id != stock_alert.event_id


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "purchase event!"}, "name"),
        ({"name": "x" * 31}, "name"),
        ({"name": ""}, "name"),
        ({"type": "personal"}, "type"),
        ({"id_type": "magic"}, "id_type"),
        ({"fields": [{"path": "email", "type": "text"}]}, "fields[0].type"),
        ({"fields": [{"path": "a b", "type": "string"}]}, "fields[0].path"),
        ({"fields": [{"path": "_id", "type": "string"}]}, "fields[0].path"),
        ({"namespace": ""}, "namespace"),
        ({"profile_id_field": "customer_email"}, "profile_id_field"),
        ({"condition": None}, "condition"),
        (
            {"condition": {"all": [{"field": "purchaseMessage", "op": "eq", "value": 3}]}},
            "condition.all[0].value",
        ),
        (
            {"condition": {"all": [{"field": "nope", "op": "eq", "value": "x"}]}},
            "condition.all[0].field",
        ),
    ],
)
def test_bad_configurations_are_refused_naming_the_field(changes, field):
    errors = errors_of(purchase_data(**changes))
    assert field in fields_of(errors)
    assert not EventConfiguration.objects.exists()


def test_duplicate_field_paths_and_taken_names_are_refused(purchase):
    data = purchase_data(name="PURCHASE")
    assert "name" in fields_of(errors_of(data))
    data = purchase_data(
        name="purchase2", fields=[*purchase_data()["fields"], {"path": "email", "type": "string"}]
    )
    assert "fields[6].path" in fields_of(errors_of(data))


def test_business_events_have_no_namespace():
    data = purchase_data(name="weather", type="business")
    assert {"namespace", "profile_id_field"} <= fields_of(errors_of(data))
    config = event_configuration_create(
        data=purchase_data(name="weather", type="business", namespace="", profile_id_field="")
    )
    assert config.namespace == "" and config.type == "business"


def test_switching_to_system_generated_drops_the_condition_and_adds_an_event_id(purchase):
    config = event_configuration_update(
        config=purchase, data={"id_type": "system_generated"}, partial=True
    )
    assert config.condition is None and config.event_id
    config = event_configuration_update(
        config=config,
        data={"id_type": "rule_based", "condition": purchase_data()["condition"]},
        partial=True,
    )
    assert config.event_id is None


@pytest.fixture
def live_journey():
    calls = []

    def provider(ids):
        calls.append(set(ids))
        return {
            config_id: [Usage(label="journey “Welcome” (live)", live=True)] for config_id in ids
        }

    register_usage_provider(provider)
    yield calls
    unregister_usage_provider(provider)


def test_an_event_used_by_a_live_journey_accepts_only_names_descriptions_and_new_optional_fields(
    purchase, live_journey
):
    errors = errors_of(
        {"condition": {"field": "purchaseMessage", "op": "eq", "value": "merci"}},
        purchase,
        partial=True,
    )
    assert "condition" in fields_of(errors)
    assert any("Welcome" in message for _, message in errors)
    assert "namespace" in fields_of(errors_of({"namespace": "crm_id"}, purchase, partial=True))
    assert "fields" in fields_of(errors_of({"fields": purchase.fields[:2]}, purchase, partial=True))
    changed_type = [dict(purchase.fields[0]), *purchase.fields[1:]]
    changed_type[5] = {"path": "amount", "type": "integer", "required": False}
    assert "fields[5]" in fields_of(errors_of({"fields": changed_type}, purchase, partial=True))
    new_required = [*purchase.fields, {"path": "store", "type": "string", "required": True}]
    assert "fields[6].required" in fields_of(
        errors_of({"fields": new_required}, purchase, partial=True)
    )

    config = event_configuration_update(
        config=purchase,
        data={
            "name": "order",
            "description": "Orders",
            "fields": [*purchase.fields, {"path": "store", "type": "string", "required": False}],
        },
        partial=True,
    )
    config.refresh_from_db()
    assert (config.name, config.description, config.fields[-1]["path"]) == (
        "order",
        "Orders",
        "store",
    )
    assert config.condition == purchase_data()["condition"]


def test_an_event_in_use_cannot_be_deleted(purchase, live_journey):
    with pytest.raises(EventConfigurationInvalid):
        event_configuration_delete(config=purchase)
    assert EventConfiguration.objects.filter(pk=purchase.pk).exists()


# --- ingestion --------------------------------------------------------------------------------


def purchase_event(**changes):
    return {
        "email": "ana@example.com",
        "purchaseMessage": "thank you",
        "product": "Shoes",
        "amount": 89.9,
    } | changes


def statuses(results):
    return [(r.status, r.matched, r.reason) for r in results]


def test_a_purchase_is_accepted_and_creates_the_unknown_profile(purchase):
    [result] = events_ingest(items=[purchase_event(_id="o-1")])
    assert (result.external_id, result.status, result.matched, result.reason) == (
        "o-1",
        "accepted",
        ["purchase"],
        None,
    )
    identity = Identity.objects.get(namespace="email", value="ana@example.com")
    event = Event.objects.get()
    assert event.profile_id == identity.profile_id
    assert event.payload["product"] == "Shoes"
    match = EventMatch.objects.get()
    assert (match.configuration_id, match.profile_id, match.event_id) == (
        purchase.pk,
        identity.profile_id,
        event.pk,
    )


def test_a_known_identity_reuses_its_profile(purchase):
    ana = Profile.objects.create(first_name="Ana")
    Identity.objects.create(profile=ana, namespace="email", value="ana@example.com")
    events_ingest(items=[purchase_event(), purchase_event(amount=10)])
    assert Profile.objects.count() == 1
    assert list(EventMatch.objects.values_list("profile_id", flat=True)) == [ana.pk, ana.pk]


def test_a_batch_resolves_new_identities_once(purchase):
    items = [purchase_event(email=f"c{i % 3}@example.com") for i in range(9)]
    results = events_ingest(items=items)
    assert {r.status for r in results} == {"accepted"}
    assert Profile.objects.count() == 3
    assert Identity.objects.filter(namespace="email").count() == 3


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (purchase_event(purchaseMessage="hello"), "no_matching_configuration"),
        ({"purchaseMessage": "thank you", "amount": 3}, "missing_field:email"),
        (purchase_event(amount="89.90"), "invalid_type:amount"),
        (purchase_event(purchaseDate="yesterday"), "invalid_type:purchaseDate"),
        (purchase_event(email=""), "missing_field:email"),
        (purchase_event(timestamp="soon"), "invalid_type:timestamp"),
        (purchase_event(eventID="does-not-exist", purchaseMessage="nope"), "unknown_event_id"),
        ("not an object", "invalid_event:not_an_object"),
    ],
)
def test_bad_events_are_discarded_and_kept_with_their_reason(purchase, event, reason):
    [result] = events_ingest(items=[event])
    assert (result.status, result.matched, result.reason) == ("discarded", [], reason)
    stored = Event.objects.get()
    assert (stored.status, stored.reason) == ("discarded", reason)
    assert not EventMatch.objects.exists()
    assert not Profile.objects.exists()


def test_a_list_with_bad_items_accepts_the_good_ones(purchase):
    results = events_ingest(
        items=[
            purchase_event(_id="a"),
            purchase_event(_id="b", amount="x"),
            purchase_event(_id="c"),
        ]
    )
    assert [(r.external_id, r.status) for r in results] == [
        ("a", "accepted"),
        ("b", "discarded"),
        ("c", "accepted"),
    ]
    assert EventMatch.objects.count() == 2 and Event.objects.count() == 3


def test_a_repeated_id_is_a_duplicate_and_changes_nothing(purchase):
    events_ingest(items=[purchase_event(_id="o-1")])
    [again] = events_ingest(items=[purchase_event(_id="o-1", email="bob@example.com")])
    assert (again.status, again.matched) == ("duplicate", [])
    assert EventMatch.objects.count() == 1
    assert not Identity.objects.filter(value="bob@example.com").exists()
    assert Event.objects.filter(status="duplicate").count() == 1  # logged all the same
    results = events_ingest(items=[purchase_event(_id="o-2"), purchase_event(_id="o-2")])
    assert [r.status for r in results] == ["accepted", "duplicate"]


def test_a_system_generated_event_matches_by_event_id(stock_alert):
    [result] = events_ingest(items=[{"eventID": stock_alert.event_id, "sku": "SKU-1", "left": 3}])
    assert (result.status, result.matched) == ("accepted", ["stock_low"])
    match = EventMatch.objects.get()
    assert match.profile_id is None
    [bad] = events_ingest(items=[{"eventID": stock_alert.event_id, "left": 3}])
    assert (bad.status, bad.reason) == ("discarded", "missing_field:sku")


def test_one_payload_may_match_several_configurations(purchase):
    event_configuration_create(
        data=purchase_data(
            name="big_purchase",
            condition={
                "all": [
                    {"field": "purchaseMessage", "op": "eq", "value": "thank you"},
                    {"field": "amount", "op": "gte", "value": 100},
                ]
            },
        )
    )
    [small] = events_ingest(items=[purchase_event(amount=20)])
    [big] = events_ingest(items=[purchase_event(amount=250)])
    assert small.matched == ["purchase"]
    assert sorted(big.matched) == ["big_purchase", "purchase"]
    assert EventMatch.objects.count() == 3


def test_conditions_follow_configuration_changes(purchase):
    assert events_ingest(items=[purchase_event(purchaseMessage="merci")])[0].status == "discarded"
    event_configuration_update(
        config=purchase,
        data={
            "condition": {"field": "purchaseMessage", "op": "in", "value": ["merci", "thank you"]}
        },
        partial=True,
    )
    assert events_ingest(items=[purchase_event(purchaseMessage="merci")])[0].status == "accepted"
    purchase.delete()
    assert events_ingest(items=[purchase_event()])[0].reason == "no_matching_configuration"


def test_the_timestamp_sets_when_the_event_occurred(purchase):
    events_ingest(items=[purchase_event(timestamp="2026-01-31T09:00:00+01:00")])
    match = EventMatch.objects.get()
    assert match.occurred_at.isoformat() == "2026-01-31T08:00:00+00:00"


def test_dotted_paths_read_nested_payloads(db):
    event_configuration_create(
        data={
            "name": "order",
            "fields": [
                {"path": "customer.email", "type": "string", "required": True},
                {"path": "order.total", "type": "number"},
            ],
            "condition": {"field": "order.total", "op": "gt", "value": 0},
            "namespace": "email",
            "profile_id_field": "customer.email",
        }
    )
    [result] = events_ingest(
        items=[{"customer": {"email": "zoe@example.com"}, "order": {"total": 12.5}}]
    )
    assert result.status == "accepted"
    assert Identity.objects.filter(value="zoe@example.com").exists()


def test_the_embedded_database_path_gives_the_same_answers(purchase, monkeypatch):
    """`make run` uses SQLite: ingestion then goes through the ORM, with the same outcomes."""
    from events.services import storage

    monkeypatch.setattr(storage, "_postgres", lambda: False)
    ana = Profile.objects.create(first_name="Ana", is_test=True)
    Identity.objects.create(profile=ana, namespace="email", value="ana@example.com")
    events_ingest(items=[purchase_event(_id="seen")])
    results = events_ingest(
        items=[
            purchase_event(_id="seen"),
            purchase_event(_id="new", email="bob@example.com"),
            purchase_event(_id="bad", amount="x"),
            purchase_event(email="bob@example.com"),
        ]
    )
    assert statuses(results) == [
        ("duplicate", [], None),
        ("accepted", ["purchase"], None),
        ("discarded", [], "invalid_type:amount"),
        ("accepted", ["purchase"], None),
    ]
    bob = Identity.objects.get(value="bob@example.com").profile_id
    assert list(EventMatch.objects.order_by("id").values_list("profile_id", flat=True)) == [
        ana.pk,
        bob,
        bob,
    ]
    assert Event.objects.count() == 5
