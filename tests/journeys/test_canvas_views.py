"""The canvas's server behaviour: what each edit stores and what the page then shows —
add, connect, delete, settings saved as you go with errors at the field, the two-tab
conflict, read-only versions, properties, validate and publish."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from journeys.demo import seed_definition
from journeys.models import JourneyVersion, VersionStatus
from journeys.services import journey_create, journey_publish

from .factories import EMAIL, chain, doc, node

pytestmark = pytest.mark.django_db


def _url(name, version, *args):
    return reverse(f"journeys:{name}", args=[version.pk, *args])


def _fresh(version) -> JourneyVersion:
    return JourneyVersion.objects.get(pk=version.pk)


@pytest.fixture
def empty(user):
    version, _ = journey_create(document=doc([]), user=user)
    return version


@pytest.fixture
def seed(audience, user):
    version, _ = journey_create(document=seed_definition(audience.pk), user=user)
    return version


def test_canvas_page_draws_every_node_the_palette_and_the_alerts(logged_client, seed):
    response = logged_client.get(reverse("journeys:canvas", args=[seed.journey_id]))
    html = response.content.decode()
    assert response.status_code == 200
    for node_id in (
        "start",
        "first",
        "push_opened",
        "email_opened",
        "reminder",
        "purchase",
        "thanks",
    ):
        assert f'data-node-id="{node_id}"' in html
    for palette_type in (
        "unitary_event",
        "read_audience",
        "condition",
        "split",
        "message",
        "update_profile",
    ):
        assert f'data-palette-type="{palette_type}"' in html
    assert 'data-port="timeout"' in html and ">Timeout<" in html  # the timeout path is labelled
    assert "No errors" in html
    assert 'id="canvas-publish-btn"' in html


def test_dropping_an_entry_on_an_empty_canvas_adds_it_and_opens_its_settings(logged_client, empty):
    response = logged_client.post(
        _url("canvas_add", empty), {"type": "read_audience", "revision": empty.revision}
    )
    assert response.status_code == 200
    stored = _fresh(empty)
    assert [n["type"] for n in stored.nodes] == ["read_audience"]
    html = response.content.decode()
    assert 'data-selected-node="read_audience"' in html  # its panel opens
    assert 'id="canvas-graph" hx-swap-oob="true"' in html  # and the graph is redrawn
    assert f'value="{stored.revision}"' in html  # with the new revision for the next edit


def test_dropping_on_a_port_slot_an_edge_and_a_new_path(logged_client, user, audience):
    version, _ = journey_create(
        document=chain(audience.pk, node("m", "message", email=EMAIL)), user=user
    )
    # After the open port of the message: a reaction.
    logged_client.post(
        _url("canvas_add", version),
        {"type": "reaction", "after": "m", "port": "default", "revision": _fresh(version).revision},
    )
    # "+" on the message: a second, parallel path from the same port.
    logged_client.post(
        _url("canvas_add", version),
        {
            "type": "reaction",
            "after": "m",
            "port": "default",
            "branch": "1",
            "revision": _fresh(version).revision,
        },
    )
    # On the edge start → m: a wait inserted between them.
    logged_client.post(
        _url("canvas_add", version),
        {
            "type": "wait",
            "after": "start",
            "port": "default",
            "before": "m",
            "revision": _fresh(version).revision,
        },
    )
    stored = _fresh(version)
    edges = {(e["from"], e["to"]) for e in stored.edges}
    assert edges == {("start", "wait"), ("wait", "m"), ("m", "reaction"), ("m", "reaction_2")}
    reaction = next(n for n in stored.nodes if n["id"] == "reaction")
    assert reaction["config"]["action"] == "m"  # a reaction points at the message before it


def test_the_plus_button_opens_a_new_path_slot(logged_client, seed):
    response = logged_client.get(_url("canvas_graph", seed) + "?branch=first")
    html = response.content.decode()
    assert 'data-branch="1"' in html and 'data-after="first"' in html
    assert "New path" in html


def test_connect_joins_a_path_and_disconnect_removes_it(logged_client, seed):
    logged_client.post(
        _url("canvas_disconnect", seed),
        {"from": "reminder", "to": "purchase", "port": "default", "revision": seed.revision},
    )
    assert ("reminder", "purchase") not in {(e["from"], e["to"]) for e in _fresh(seed).edges}
    response = logged_client.post(
        _url("canvas_connect", seed),
        {
            "from": "reminder",
            "to": "purchase",
            "port": "default",
            "selected": "reminder",
            "revision": _fresh(seed).revision,
        },
    )
    assert response.status_code == 200
    assert ("reminder", "purchase") in {(e["from"], e["to"]) for e in _fresh(seed).edges}
    assert 'data-selected-node="reminder"' in response.content.decode()


def test_deleting_a_node_removes_it_and_keeps_the_chain_whole(logged_client, seed):
    response = logged_client.post(
        _url("canvas_node_delete", seed, "purchase"), {"revision": seed.revision}
    )
    assert response.status_code == 200
    stored = _fresh(seed)
    assert "purchase" not in {n["id"] for n in stored.nodes}
    assert not any("purchase" in (e["from"], e["to"]) for e in stored.edges)


def test_saving_settings_stores_them_and_redraws_the_card(logged_client, seed):
    post = {
        "revision": seed.revision,
        "label": "Welcome",
        "ui_tab": "email",
        "channel.email": "1",
        "email.subject": "Hello {{ profile.first_name }}",
        "email.html": "<p>Hi</p>",
        "email.text": "Hi",
        "channel.push": "1",
        "push.title": "Hi",
        "push.body": "New in",
    }
    response = logged_client.post(_url("canvas_node_save", seed, "first"), post)
    assert response.status_code == 200
    first = next(n for n in _fresh(seed).nodes if n["id"] == "first")
    assert first["label"] == "Welcome"
    assert first["config"] == {
        "email": {"subject": "Hello {{ profile.first_name }}", "html": "<p>Hi</p>", "text": "Hi"},
        "push": {"title": "Hi", "body": "New in"},
    }
    html = response.content.decode()
    assert "Saved" in html and ">Welcome<" in html


def test_a_template_error_shows_line_and_column_at_its_field_and_blocks_publishing(
    logged_client, seed
):
    post = {
        "revision": seed.revision,
        "channel.email": "1",
        "email.subject": "Hi",
        "email.html": "<p>\n{{ profile.first_name </p>",
        "email.text": "x",
    }
    response = logged_client.post(_url("canvas_node_save", seed, "first"), post)
    html = response.content.decode()
    # kept as a draft (nothing typed is lost), flagged as an error that blocks publishing
    first = next(n for n in _fresh(seed).nodes if n["id"] == "first")
    assert first["config"]["email"]["html"] == "<p>\n{{ profile.first_name </p>"
    assert "ERR_TEMPLATE_SYNTAX" in html and 'id="canvas-publish-btn"\n          disabled' in html
    assert "line 2" in html and "column" in html
    # the message sits right after the HTML field, and what was typed is still there
    field_at = html.index('name="email.html"')
    assert html.index("line 2", field_at) < html.index('name="email.text"')
    assert "{{ profile.first_name &lt;/p&gt;" in html


def test_an_out_of_range_timeout_is_refused_at_the_field_and_nothing_changes(logged_client, seed):
    before = _fresh(seed).definition
    post = {
        "revision": seed.revision,
        "action": "first",
        "reaction_pick": "email:opened",
        "timeout__on": "1",
        "timeout__value": "120",
        "timeout__unit": "days",
    }
    response = logged_client.post(_url("canvas_node_save", seed, "email_opened"), post)
    assert response.status_code == 422
    assert _fresh(seed).definition == before
    html = response.content.decode()
    assert "between" in html and 'value="120"' in html
    assert html.index("between") > html.index('name="timeout__value"')


def test_a_second_tab_saving_an_old_revision_gets_a_conflict_and_nothing_is_lost(
    logged_client, seed
):
    opened_at = seed.revision  # both tabs drew the page at this revision
    first_tab = {
        "revision": opened_at,
        "channel.push": "1",
        "push.title": "Tab one",
        "push.body": "one",
    }
    assert (
        logged_client.post(_url("canvas_node_save", seed, "thanks"), first_tab).status_code == 200
    )
    saved = _fresh(seed).definition
    second_tab = {
        "revision": opened_at,
        "channel.push": "1",
        "push.title": "Tab two",
        "push.body": "two",
    }
    response = logged_client.post(_url("canvas_node_save", seed, "thanks"), second_tab)
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#canvas-conflict"
    html = response.content.decode()
    assert "changed in another tab" in html and "Reload" in html
    assert _fresh(seed).definition == saved  # the first tab's save stands


def test_a_live_version_is_read_only_and_offers_a_new_version(logged_client, seed, user):
    journey_publish(journey=seed.journey, user=user)
    html = logged_client.get(reverse("journeys:canvas", args=[seed.journey_id])).content.decode()
    assert "read-only" in html and "Create a new version" in html
    assert 'draggable="true"' not in html and "cv-drop" not in html and "cv-node-plus" not in html
    refused = logged_client.post(
        _url("canvas_node_delete", seed, "thanks"), {"revision": _fresh(seed).revision}
    )
    assert refused.status_code == 409 and "new version" in refused.content.decode()
    assert "thanks" in {n["id"] for n in _fresh(seed).nodes}
    response = logged_client.post(_url("canvas_new_version", seed))
    assert response["HX-Redirect"].endswith("?version=2")
    assert _fresh(seed).journey.versions.get(number=2).status == VersionStatus.DRAFT


def test_publish_is_disabled_with_the_reason_without_the_permission(
    client, django_user_model, seed
):
    marketer = django_user_model.objects.create_user(username="no-publish", password="x")
    client.force_login(marketer)
    html = client.get(reverse("journeys:canvas", args=[seed.journey_id])).content.decode()
    assert "publish journeys" in html and 'aria-describedby="canvas-publish-reason"' in html
    response = client.post(_url("canvas_publish", seed))
    assert response.status_code == 403
    assert _fresh(seed).status == VersionStatus.DRAFT
    marketer.user_permissions.add(Permission.objects.get(codename="publish_journey"))
    marketer = django_user_model.objects.get(pk=marketer.pk)
    client.force_login(marketer)
    response = client.post(_url("canvas_publish", seed))
    assert response["HX-Redirect"] == reverse("journeys:canvas", args=[seed.journey_id])
    assert _fresh(seed).status == VersionStatus.LIVE


def test_an_invalid_journey_cannot_be_published_and_the_alerts_say_why(logged_client, empty):
    logged_client.post(
        _url("canvas_add", empty), {"type": "read_audience", "revision": empty.revision}
    )
    html = logged_client.get(reverse("journeys:canvas", args=[empty.journey_id])).content.decode()
    assert "ERR_SETTING_REQUIRED" in html and "disabled" in html
    response = logged_client.post(_url("canvas_publish", empty))
    assert response.status_code == 422 and "ERR_SETTING_REQUIRED" in response.content.decode()
    assert _fresh(empty).status == VersionStatus.DRAFT


def test_validate_opens_the_alerts_with_codes_that_select_their_node(logged_client, user, audience):
    version, _ = journey_create(document=chain(audience.pk, node("m", "message")), user=user)
    response = logged_client.post(_url("canvas_validate", version))
    html = response.content.decode()
    assert "is-open" in html and "ERR_SETTING_REQUIRED" in html
    assert f'hx-get="{_url("canvas_node", version, "m")}"' in html and 'data-focus-node="m"' in html


def test_properties_are_saved_and_bad_ones_named(logged_client, seed):
    post = {
        "name": "Welcome series",
        "description": "d",
        "namespace": "email",
        "reentrance": "1",
        "reentrance.wait__value": "2",
        "reentrance.wait__unit": "hours",
        "timezone": "Europe/Paris",
        "start": "2030-01-01T09:00",
        "end": "",
        "revision": seed.revision,
    }
    response = logged_client.post(_url("canvas_properties", seed), post)
    assert response.status_code == 200
    journey = _fresh(seed).journey
    assert journey.name == "Welcome series" and journey.timezone == "Europe/Paris"
    assert journey.properties["reentrance"] == {"allowed": True, "wait": "PT2H"}
    assert journey.properties["start"].startswith("2030-01-01T09:00:00+01:00")
    assert 'id="canvas-journey-name">Welcome series<' in response.content.decode()
    bad = post | {
        "start": "2030-02-01T09:00",
        "end": "2030-01-01T09:00",
        "revision": _fresh(seed).revision,
    }
    response = logged_client.post(_url("canvas_properties", seed), bad)
    assert response.status_code == 422 and "after the start" in response.content.decode()
    assert "end" not in _fresh(seed).journey.properties


def test_editing_a_condition_rule_keeps_the_panel_and_sends_its_errors_to_the_builder(
    logged_client, user, audience
):
    condition = node(
        "c", "condition", paths=[{"label": "Atlanta", "rule": {"all": []}}], other=True
    )
    version, _ = journey_create(document=chain(audience.pk, condition), user=user)
    page = logged_client.get(_url("canvas_node", version, "c")).content.decode()
    assert 'id="rule-c-0"' in page and "Profile" in page  # the builder, with the journey palette
    good = {"field": "profile.city", "op": "eq", "value": "Atlanta"}
    post = {
        "revision": version.revision,
        "paths__count": "1",
        "paths[0].label": "Atlanta",
        "paths[0].rule": json.dumps({"all": [good]}),
        "other": "1",
    }
    response = logged_client.post(_url("canvas_node_save", version, "c"), post)
    assert response.status_code == 200 and response["HX-Reswap"] == "none"
    assert json.loads(response["HX-Trigger"])["rule-errors"] == {
        "builder": "rule-c-0",
        "errors": [],
    }
    stored = next(n for n in _fresh(version).nodes if n["id"] == "c")
    assert stored["config"]["paths"][0]["rule"] == {"all": [good]}
    bad = {"all": [{"field": "profile.city", "op": "gt", "value": "Atlanta"}]}
    post |= {"revision": _fresh(version).revision, "paths[0].rule": json.dumps(bad)}
    response = logged_client.post(_url("canvas_node_save", version, "c"), post)
    errors = json.loads(response["HX-Trigger"])["rule-errors"]["errors"]
    assert errors and errors[0]["field"].startswith("paths[0].rule.all[0]")
    # adding a path changes the panel: it is redrawn
    post |= {
        "revision": _fresh(version).revision,
        "paths[0].rule": json.dumps({"all": [good]}),
        "op": "add_path",
    }
    response = logged_client.post(_url("canvas_node_save", version, "c"), post)
    assert "HX-Reswap" not in response and 'id="rule-c-1"' in response.content.decode()


SAVES = {
    "wait": (
        {"mode": "duration", "duration__value": "3", "duration__unit": "hours"},
        {"duration": "PT3H"},
    ),
    "split": (
        {"weights__count": "2", "weights[0]": "70", "weights[1]": "30"},
        {"weights": [70, 30]},
    ),
    "update_profile": (
        {"attributes.key": ["vip", "score"], "attributes.value": ["true", "42"]},
        {"attributes": {"vip": True, "score": 42}},
    ),
    "end": ({}, {}),
    "event": (
        {"event": "purchase", "timeout__on": "1", "timeout__value": "2", "timeout__unit": "days"},
        {"event": "purchase", "timeout": "P2D"},
    ),
}


@pytest.mark.parametrize(
    "type_", ["wait", "split", "update_profile", "end", "event", "action", "jump", "condition"]
)
def test_every_activity_panel_renders_and_saves_what_it_shows(logged_client, user, audience, type_):
    version, _ = journey_create(
        document=chain(audience.pk, node("m", "message", email=EMAIL)), user=user
    )
    logged_client.post(
        _url("canvas_add", version), {"type": type_, "after": "m", "revision": version.revision}
    )
    panel = logged_client.get(_url("canvas_node", version, type_))
    assert panel.status_code == 200 and f'data-selected-node="{type_}"' in panel.content.decode()
    if type_ in SAVES:
        post, expected = SAVES[type_]
        response = logged_client.post(
            _url("canvas_node_save", version, type_), {"revision": _fresh(version).revision, **post}
        )
        assert response.status_code == 200
        assert next(n for n in _fresh(version).nodes if n["id"] == type_)["config"] == expected


def test_entry_panels_offer_the_configured_audiences_and_events(logged_client, user, audience):
    for type_, expected in (
        ("unitary_event", "purchase"),
        ("audience_qualification", audience.name),
        ("business_event", audience.name),
    ):
        version, _ = journey_create(document=doc([node("e", type_)]), user=user)
        html = logged_client.get(_url("canvas_node", version, "e")).content.decode()
        assert expected in html, type_


def test_unticking_a_channel_keeps_its_text_in_the_panel_and_ticking_it_restores_it(
    logged_client, seed
):
    post = {
        "revision": seed.revision,
        "channel.email": "1",
        "email.subject": "Hello",
        "email.html": "<p>Hi</p>",
        "email.text": "Hi",
        "channel.push": "1",
        "push.title": "Hi",
        "push.body": "Push",
    }
    unticked = {k: v for k, v in post.items() if k != "channel.email"}
    response = logged_client.post(_url("canvas_node_save", seed, "first"), unticked)
    first = next(n for n in _fresh(seed).nodes if n["id"] == "first")
    assert "email" not in first["config"]  # not sent any more...
    html = response.content.decode()
    assert (
        'name="email.subject" value="Hello"' in html and "Your text is kept" in html
    )  # ...but not lost
    retick = {
        "revision": _fresh(seed).revision,
        "channel.email": "1",
        "email.subject": "Hello",
        "email.html": "<p>Hi</p>",
        "email.text": "Hi",
        "channel.push": "1",
        "push.title": "Hi",
        "push.body": "Push",
    }
    logged_client.post(_url("canvas_node_save", seed, "first"), retick)
    first = next(n for n in _fresh(seed).nodes if n["id"] == "first")
    assert first["config"]["email"] == {"subject": "Hello", "html": "<p>Hi</p>", "text": "Hi"}


def test_a_second_tab_saving_old_properties_gets_a_conflict(logged_client, seed):
    opened_at = seed.revision  # both tabs drew the page at this revision
    first = {
        "revision": opened_at,
        "name": "Renamed in tab one",
        "namespace": "email",
        "timezone": "UTC",
    }
    assert logged_client.post(_url("canvas_properties", seed), first).status_code == 200
    assert _fresh(seed).revision == opened_at + 1  # the panel's save moves the draft on

    second = {
        "revision": opened_at,
        "name": "Renamed in tab two",
        "namespace": "email",
        "timezone": "UTC",
    }
    response = logged_client.post(_url("canvas_properties", seed), second)
    assert response.status_code == 409
    assert "changed in another tab" in response.content.decode()
    seed.journey.refresh_from_db()
    assert seed.journey.name == "Renamed in tab one"  # the first tab's save stands
