"""Journey services: create, save with revisions, node edits, lifecycle, versions, duplicate."""

from __future__ import annotations

import pytest

from journeys import services
from journeys.models import Journey, JourneyVersion
from journeys.selectors import version_document, version_report

from .factories import EMAIL, chain, doc, e, node, seed_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketer(django_user_model):
    return django_user_model.objects.create_user(username="mk", password="x")


@pytest.fixture
def seed(audience):
    version, _ = services.journey_create(document=seed_document(audience.pk))
    return version


def test_create_stores_the_document_as_written(audience):
    document = seed_document(audience.pk)
    version, report = services.journey_create(document=document)
    assert (version.number, version.status, version.revision) == (1, "draft", 1)
    assert version_document(version) == document
    assert report.valid
    journey = version.journey
    assert journey.entry_type == "read_audience"
    assert journey.reentrance_allowed is False and journey.timezone == "UTC"
    assert journey.reentrance_wait.total_seconds() == 300  # default 5 minutes


def test_properties_become_typed_columns(audience):
    document = chain(audience.pk) | {
        "properties": {
            "reentrance": {"allowed": True, "wait": "PT2H"},
            "timezone": "Europe/Paris",
            "start": "2030-01-01T09:00:00+01:00",
            "end": "2030-02-01T09:00:00+01:00",
        }
    }
    version, _ = services.journey_create(document=document)
    journey = version.journey
    assert journey.reentrance_allowed and journey.reentrance_wait.total_seconds() == 7200
    assert journey.timezone == "Europe/Paris"
    journey.refresh_from_db()
    assert journey.start_at.isoformat() == "2030-01-01T08:00:00+00:00"


def test_malformed_definition_is_refused_and_nothing_stored(audience):
    document = seed_document(audience.pk)
    document["nodes"][3]["config"]["timeout"] = "PT1S"
    with pytest.raises(services.DefinitionInvalid) as refused:
        services.journey_create(document=document)
    assert [p.path for p in refused.value.problems] == ["nodes[3].config.timeout"]
    assert Journey.objects.count() == 0


def test_incomplete_draft_is_stored(audience):
    version, report = services.journey_create(document=doc([node("m", "message")]))
    assert not report.valid and version.pk


def test_second_tab_save_is_refused_with_a_conflict(seed):
    document = version_document(seed)
    first = services.journey_update_definition(
        journey=seed.journey, document=document | {"name": "Tab A"}, expected_revision=1
    )[0]
    assert first.revision == 2
    with pytest.raises(services.RevisionConflict) as conflict:
        services.journey_update_definition(
            journey=seed.journey, document=document | {"name": "Tab B"}, expected_revision=1
        )
    assert "another tab" in conflict.value.message
    seed.journey.refresh_from_db()
    assert seed.journey.name == "Tab A"


def test_node_add_after_a_message_prefills_the_reaction(audience):
    version, _ = services.journey_create(
        document=chain(audience.pk, node("first", "message", email=EMAIL))
    )
    result = services.node_add(
        journey=version.journey, type="reaction", after="first", expected_revision=1
    )
    assert result.node_id == "reaction"
    assert result.version.revision == 2
    added = next(n for n in result.version.nodes if n["id"] == "reaction")
    assert added["config"] == {"action": "first", "reaction": "opened", "channel": "email"}
    assert {"from": "first", "to": "reaction"} in result.version.edges
    assert not [p for p in result.report.errors if p.node == "reaction"]


def test_node_add_inserts_on_an_edge(audience):
    version, _ = services.journey_create(
        document=chain(audience.pk, node("m", "message", email=EMAIL))
    )
    result = services.node_add(journey=version.journey, type="wait", after="start", before="m")
    assert result.version.edges == [{"from": "wait", "to": "m"}, {"from": "start", "to": "wait"}]
    assert result.report.valid


def test_node_edits_build_the_seed_journey_from_nothing(audience):
    """The canvas's way: entry, message, two reactions with "+", timeout path, join, thanks."""
    version, _ = services.journey_create(document=doc([]))
    j = version.journey
    services.node_add(journey=j, type="read_audience", config={"audience": audience.pk})
    services.node_add(
        journey=j,
        type="message",
        after="read_audience",
        config={"email": EMAIL, "push": {"title": "Hi", "body": "Hello"}},
    )
    push = services.node_add(journey=j, type="reaction", after="message").node_id
    services.node_update(
        journey=j,
        node_id=push,
        config={"action": "message", "channel": "push", "reaction": "opened"},
    )
    opened = services.node_add(journey=j, type="reaction", after="message").node_id
    services.node_update(
        journey=j,
        node_id=opened,
        config={"action": "message", "channel": "email", "reaction": "opened", "timeout": "P1D"},
    )
    reminder = services.node_add(
        journey=j, type="message", after=opened, port="timeout", config={"email": EMAIL}
    ).node_id
    purchase = services.node_add(
        journey=j, type="event", after=push, config={"event": "purchase"}
    ).node_id
    services.node_connect(journey=j, source=opened, target=purchase)
    services.node_connect(journey=j, source=reminder, target=purchase)
    result = services.node_add(
        journey=j,
        type="message",
        after=purchase,
        config={"push": {"title": "Thanks", "body": "Thank you"}},
    )
    assert result.version.revision == 12  # 1 + eleven edits
    errors = [p.code for p in result.report.errors]
    assert errors == []
    assert len(result.version.nodes) == 7 and len(result.version.edges) == 8


def test_node_update_refuses_a_bad_value_and_keeps_the_old_one(seed):
    with pytest.raises(services.DefinitionInvalid) as refused:
        services.node_update(
            journey=seed.journey,
            node_id="email_opened",
            config={
                "action": "first",
                "channel": "email",
                "reaction": "opened",
                "timeout": "P200D",
            },
        )
    assert [p.path for p in refused.value.problems] == ["nodes[3].config.timeout"]
    seed.refresh_from_db()
    assert seed.nodes[3]["config"]["timeout"] == "P1D" and seed.revision == 1


def test_node_delete_joins_a_chain(audience):
    version, _ = services.journey_create(
        document=chain(
            audience.pk, node("w", "wait", duration="PT1H"), node("m", "message", email=EMAIL)
        )
    )
    result = services.node_delete(journey=version.journey, node_id="w")
    assert [n["id"] for n in result.version.nodes] == ["start", "m"]
    assert result.version.edges == [{"from": "start", "to": "m"}]


def test_node_disconnect_then_report_unreachable(seed):
    result = services.node_disconnect(journey=seed.journey, source="purchase", target="thanks")
    assert [p.code for p in result.report.for_node("thanks")] == ["ERR_UNREACHABLE"]


def test_the_51st_activity_is_refused(audience):
    waits = [node(f"w{i}", "wait", duration="PT1M") for i in range(49)]
    version, _ = services.journey_create(document=chain(audience.pk, *waits))
    with pytest.raises(services.DefinitionInvalid) as refused:
        services.node_add(journey=version.journey, type="end", after="w48")
    assert refused.value.problems[0].code == "ERR_TOO_MANY_ACTIVITIES"


def test_publish_needs_the_permission(seed, marketer):
    with pytest.raises(services.PermissionRefused):
        services.journey_publish(journey=seed.journey, user=marketer)
    seed.refresh_from_db()
    assert seed.status == "draft"


def test_publish_refuses_an_invalid_journey_with_its_errors(audience, publisher):
    version, _ = services.journey_create(document=chain(audience.pk, node("m", "message")))
    with pytest.raises(services.DefinitionInvalid) as refused:
        services.journey_publish(journey=version.journey, user=publisher)
    assert [p.code for p in refused.value.problems] == ["ERR_SETTING_REQUIRED"]
    version.refresh_from_db()
    assert version.status == "draft"


def test_publish_makes_live_and_read_only(seed, publisher):
    live, _ = services.journey_publish(journey=seed.journey, user=publisher)
    assert (live.status, live.published_by) == ("live", publisher)
    with pytest.raises(services.NotEditable) as refused:
        services.node_delete(journey=seed.journey, node_id="thanks")
    assert (
        refused.value.message
        == "version 1 is live and read-only: create a new version to change the journey"
    )


def test_new_version_from_latest_and_publishing_closes_the_previous(seed, publisher):
    with pytest.raises(services.LifecycleError):
        services.journey_new_version(journey=seed.journey)  # v1 is still a draft
    services.journey_publish(journey=seed.journey, user=publisher)
    v2 = services.journey_new_version(journey=seed.journey)
    assert (v2.number, v2.status, v2.definition) == (2, "draft", seed.definition)
    with pytest.raises(services.LifecycleError):
        services.journey_new_version(journey=seed.journey)  # one draft at a time
    services.node_update(journey=seed.journey, node_id="thanks", label="Thank-you push")
    services.journey_publish(journey=seed.journey, user=publisher)
    statuses = dict(
        JourneyVersion.objects.filter(journey=seed.journey).values_list("number", "status")
    )
    assert statuses == {1: "closed", 2: "live"}


def test_entry_type_cannot_change_in_a_new_version(seed, publisher, audience):
    services.journey_publish(journey=seed.journey, user=publisher)
    services.journey_new_version(journey=seed.journey)
    document = version_document(seed) | {
        "nodes": [node("go", "unitary_event", event="purchase"), *seed.nodes[1:]]
    }
    document["edges"] = [e("go", "first"), *seed.edges[1:]]
    version, report = services.journey_update_definition(journey=seed.journey, document=document)
    assert "ERR_ENTRY_TYPE_CHANGED" in [p.code for p in report.errors]
    with pytest.raises(services.DefinitionInvalid):
        services.journey_publish(journey=seed.journey, user=publisher)
    assert version_report(version).valid is False


def test_close_and_stop(seed, publisher, marketer):
    services.journey_publish(journey=seed.journey, user=publisher)
    with pytest.raises(services.PermissionRefused):
        services.journey_close(journey=seed.journey, user=marketer)
    assert services.journey_close(journey=seed.journey, user=publisher).status == "closed"
    with pytest.raises(services.LifecycleError):
        services.journey_close(journey=seed.journey, user=publisher)
    stopped = services.journey_stop(journey=seed.journey, user=publisher)
    assert [v.status for v in stopped] == ["stopped"]
    with pytest.raises(services.LifecycleError):
        services.journey_stop(journey=seed.journey, user=publisher)


def test_duplicate(seed, publisher):
    services.journey_publish(journey=seed.journey, user=publisher)
    copy = services.journey_duplicate(journey=seed.journey)
    assert copy.journey.name == "Multi-channel welcome (copy)"
    assert (copy.number, copy.status) == (1, "draft")
    assert version_document(copy)["nodes"] == version_document(seed)["nodes"]


def test_properties_panel(seed):
    services.journey_update_properties(
        journey=seed.journey,
        name="Renamed",
        namespace="email",
        properties={"reentrance": {"allowed": True}, "timezone": "Europe/Paris"},
    )
    seed.journey.refresh_from_db()
    assert (seed.journey.name, seed.journey.reentrance_allowed, seed.journey.timezone) == (
        "Renamed",
        True,
        "Europe/Paris",
    )
    with pytest.raises(services.DefinitionInvalid) as refused:
        services.journey_update_properties(
            journey=seed.journey, name="x", properties={"timezone": "Nowhere"}
        )
    assert refused.value.problems[0].path == "properties.timezone"


def test_demo_is_idempotent_and_makes_the_admin_a_publisher(django_user_model):
    from audiences import demo as audiences_demo
    from journeys import demo

    admin = django_user_model.objects.create_user(username="admin", password="x")
    audiences_demo.load()
    demo.load(admin=admin)
    demo.load(admin=admin)
    journey = Journey.objects.get()
    assert journey.name == demo.SEED_JOURNEY_NAME and journey.versions.get().status == "draft"
    admin = django_user_model.objects.get(pk=admin.pk)
    assert admin.groups.filter(name="Publisher").exists() and services.can_publish(admin)
    report = version_report(journey.versions.get())
    assert report.valid, report.as_dict()


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_saves_of_one_revision_one_wins(audience):
    """Two tabs save at the same instant from revision 1: the row lock serialises them, the
    second sees revision 2 and is refused; the first edit is kept whole."""
    import threading

    from django.db import connection

    version, _ = services.journey_create(document=seed_document(audience.pk))
    barrier, outcomes = threading.Barrier(2), []

    def save(title: str) -> None:
        try:
            barrier.wait()
            services.node_update(
                journey=version.journey,
                node_id="thanks",
                expected_revision=1,
                config={"push": {"title": title, "body": "Thank you"}},
            )
            outcomes.append(("saved", title))
        except services.RevisionConflict:
            outcomes.append(("conflict", title))
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(title,)) for title in ("Tab A", "Tab B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(kind for kind, _ in outcomes) == ["conflict", "saved"]
    winner = next(title for kind, title in outcomes if kind == "saved")
    version.refresh_from_db()
    assert version.revision == 2 and version.nodes[6]["config"]["push"]["title"] == winner
