"""Custom actions against a real HTTP listener: the call (method, headers, JSON payload from the
template), retries (three, none on 401/403/404, a Retry-After waited out), the per-host cap, the
URL policy, and secrets never shown back in the admin."""

from __future__ import annotations

import datetime as dt

import pytest

from journeys.channels import ChannelRequestError, action_request
from journeys.channels.actions import SECRET_MASK, url_problem
from journeys.channels.delivery import deliver_batch
from journeys.models import CustomAction, Message

PAYLOAD = (
    '{"email": {{ profile.email | tojson }}, "coupon": {{ params.coupon | tojson }},'
    ' "product": {{ event.purchase.product | default("none") | tojson }}}'
)


@pytest.fixture
def crm_action(http_listener):
    return CustomAction.objects.create(
        name="crm-coupon",
        method="POST",
        url=f"{http_listener.url}/hooks/coupon",
        headers=[
            {"name": "Authorization", "value": "Bearer s3cret-value", "secret": True},
            {"name": "X-Source", "value": "sentier", "secret": False},
        ],
        parameters=["coupon"],
        payload_template=PAYLOAD,
        timeout_seconds=5,
    )


def call(action, profile, key="run:5:act:action", **extra):
    return action_request(
        key=key,
        action=action.name,
        profile_id=profile.pk,
        run_id=5,
        node_id="act",
        params={"coupon": "WELCOME-{{ profile.first_name }}"},
        **extra,
    )


@pytest.mark.django_db
def test_the_action_posts_its_rendered_json_with_its_headers(
    http_listener, crm_action, make_profile
):
    profile = make_profile(email="ana@example.com", first_name="Ana")
    result = call(crm_action, profile, context={"event": {"purchase": {"product": "shoes"}}})
    deliver_batch("action")

    [request] = http_listener.wait_for(1)
    assert (request.method, request.path) == ("POST", "/hooks/coupon")
    assert request.json() == {
        "email": "ana@example.com",
        "coupon": "WELCOME-Ana",
        "product": "shoes",
    }
    assert request.headers["authorization"] == "Bearer s3cret-value"
    assert request.headers["x-source"] == "sentier"
    assert request.headers["idempotency-key"] == "run:5:act:action"
    assert Message.objects.get(pk=result.message_id).status == "sent"


@pytest.mark.django_db
def test_three_retries_then_failed_but_none_on_404(http_listener, crm_action, make_profile):
    http_listener.respond(lambda request: (500, {"error": "boom"}))
    result = call(crm_action, make_profile())
    for _ in range(4):
        deliver_batch("action")
        Message.objects.filter(pk=result.message_id).update(
            next_attempt_at="2000-01-01T00:00:00Z"
        )  # move the clock
    message = Message.objects.get(pk=result.message_id)
    assert (message.status, message.attempts) == ("failed", 4)
    assert message.reason == "gave up after 4 attempts: crm-coupon: HTTP 500"
    assert len(http_listener.requests) == 4

    http_listener.respond(lambda request: (404, {"error": "no such customer"}))
    missing = call(crm_action, make_profile(), key="other")
    deliver_batch("action")
    message = Message.objects.get(pk=missing.message_id)
    assert (message.status, message.attempts) == ("failed", 1)
    assert len(http_listener.requests) == 5


@pytest.mark.django_db
def test_an_unavailable_endpoint_with_retry_after_is_called_again_no_sooner(
    http_listener, crm_action, make_profile, outbox_clock
):
    answers = iter([(503, {"error": "maintenance"}, {"Retry-After": "120"}), (200, {"ok": True})])
    http_listener.respond(lambda request: next(answers))
    result = call(crm_action, make_profile())

    with outbox_clock.frozen() as now:
        deliver_batch("action")

    message = Message.objects.get(pk=result.message_id)
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.next_attempt_at == now + dt.timedelta(seconds=120)  # not the 10 s back-off
    assert message.reason == "crm-coupon: HTTP 503 (Retry-After: 120)"
    assert deliver_batch("action") == 0

    outbox_clock.advance(120)
    deliver_batch("action")
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)
    assert len(http_listener.requests) == 2


@pytest.mark.django_db
def test_calls_over_the_per_host_cap_wait_for_the_next_minute(
    http_listener, crm_action, make_profile
):
    crm_action.max_calls_per_minute = 2
    crm_action.save()
    results = [call(crm_action, make_profile(), key=f"k{i}") for i in range(3)]
    deliver_batch("action")
    http_listener.wait_for(2)
    statuses = [Message.objects.get(pk=r.message_id) for r in results]
    assert sorted(m.status for m in statuses) == ["pending", "sent", "sent"]
    waiting = next(m for m in statuses if m.status == "pending")
    assert (
        waiting.attempts == 0
        and waiting.next_attempt_at.second == 0
        and "calls per minute" in waiting.reason
    )
    assert len(http_listener.requests) == 2


@pytest.mark.django_db
def test_unknown_action_or_parameter_is_refused_naming_the_field(crm_action, make_profile):
    profile = make_profile()
    with pytest.raises(ChannelRequestError) as error:
        action_request(key="k", action="nope", profile_id=profile.pk)
    assert error.value.field == "action"
    with pytest.raises(ChannelRequestError) as error:
        action_request(key="k", action=crm_action.pk, profile_id=profile.pk, params={"discount": 5})
    assert error.value.field == "params.discount"
    assert not Message.objects.exists()


def test_url_policy(settings):
    settings.CUSTOM_ACTIONS_ALLOW_LOOPBACK = False
    assert url_problem("http://127.0.0.1/hook") == "host '127.0.0.1' is a local or private address"
    assert url_problem("http://localhost/hook").endswith("is a local or private address")
    assert url_problem("https://10.0.0.5/hook").endswith("is a local or private address")
    assert url_problem("https://93.184.215.14:8443/hook") == "port must be 80 or 443"
    assert url_problem("ftp://example.com/x") == "must be an http:// or https:// URL"
    assert url_problem("https://93.184.215.14/hook") == ""
    settings.CUSTOM_ACTIONS_ALLOW_LOOPBACK = True
    assert url_problem("http://127.0.0.1:8765/hook") == ""


@pytest.mark.django_db
def test_admin_never_shows_secret_values_and_keeps_them_on_save(admin_client, crm_action):
    page = admin_client.get(f"/admin/journeys/customaction/{crm_action.pk}/change/")
    assert page.status_code == 200
    assert b"s3cret-value" not in page.content and SECRET_MASK.encode() in page.content
    headers = (
        '[{"name": "Authorization", "value": "' + SECRET_MASK + '", "secret": true},'
        ' {"name": "X-Source", "value": "sentier-2", "secret": false}]'
    )
    response = admin_client.post(
        f"/admin/journeys/customaction/{crm_action.pk}/change/",
        {
            "name": crm_action.name,
            "method": "POST",
            "url": crm_action.url,
            "headers": headers,
            "parameters": '["coupon"]',
            "payload_template": PAYLOAD,
            "timeout_seconds": 5,
            "max_calls_per_minute": 600,
            "enabled": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    crm_action.refresh_from_db()
    assert crm_action.headers == [
        {"name": "Authorization", "value": "Bearer s3cret-value", "secret": True},
        {"name": "X-Source", "value": "sentier-2", "secret": False},
    ]


@pytest.mark.django_db
def test_admin_refuses_a_bad_configuration_naming_the_fields(admin_client, settings):
    settings.CUSTOM_ACTIONS_ALLOW_LOOPBACK = False
    response = admin_client.post(
        "/admin/journeys/customaction/add/",
        {
            "name": "bad",
            "method": "POST",
            "url": "http://127.0.0.1:9000/x",
            "headers": "[]",
            "parameters": '["ok", "not valid"]',
            "payload_template": '{"a": {{ params.ok }',
            "timeout_seconds": 60,
            "max_calls_per_minute": 10,
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) >= {"url", "parameters", "payload_template", "timeout_seconds"}
    assert not CustomAction.objects.exists()
