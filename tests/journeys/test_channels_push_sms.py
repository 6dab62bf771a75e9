"""Push (FCM HTTP v1) and SMS (Twilio-style) against a real HTTP listener: what the gateway
receives, what is recorded, invalid tokens removed, the push open URL, a provider's
Retry-After waited out; without a provider, the local run's console fallback."""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime
from urllib.parse import urlsplit

import pytest

from journeys.channels import message_request, tracking
from journeys.channels.delivery import deliver_batch
from journeys.models import ChannelSettings, Message, Reaction

UNREGISTERED = {
    "error": {"code": 404, "status": "NOT_FOUND", "details": [{"errorCode": "UNREGISTERED"}]}
}


def request_push(profile, key="run:3:first:push", **extra):
    return message_request(
        key=key,
        channel="push",
        profile_id=profile.pk,
        run_id=3,
        node_id="first",
        content={
            "title": "Hi {{ profile.first_name }}",
            "body": "Your {{ event.purchase.product }}",
        },
        **extra,
    )


@pytest.mark.django_db
def test_push_is_one_fcm_request_per_token_and_unregistered_tokens_are_removed(
    http_listener, make_profile, settings
):
    settings.PUBLIC_URL = "https://sentier.example.com"
    ChannelSettings.objects.create(channel="push", project_id="luma-app", credential="ya29.token")
    profile = make_profile(first_name="Ana", push_tokens=["phone-token", "old-tablet-token"])
    http_listener.respond(
        lambda request: (
            (404, UNREGISTERED)
            if request.json()["message"]["token"] == "old-tablet-token"
            else (200, {"name": "projects/luma-app/messages/0:1500415314455276%31bd1c96"})
        )
    )
    result = request_push(profile, context={"event": {"purchase": {"product": "blue shoes"}}})

    deliver_batch("push")

    requests = http_listener.wait_for(2)
    assert {r.json()["message"]["token"] for r in requests} == {"phone-token", "old-tablet-token"}
    for request in requests:
        assert (request.method, request.path) == ("POST", "/v1/projects/luma-app/messages:send")
        assert request.headers["authorization"] == "Bearer ya29.token"
        message = request.json()["message"]
        assert message["notification"] == {"title": "Hi Ana", "body": "Your blue shoes"}
        assert message["data"]["open_url"].startswith("https://sentier.example.com/t/p/")
    message = Message.objects.get(pk=result.message_id)
    assert message.status == "sent"
    assert message.provider_id == "projects/luma-app/messages/0:1500415314455276%31bd1c96"
    assert "1 unregistered" in message.provider_response
    profile.refresh_from_db()
    assert profile.push_tokens == ["phone-token"]


@pytest.mark.django_db
def test_posting_to_the_push_open_url_records_an_open(client, http_listener, make_profile):
    result = request_push(make_profile())
    deliver_batch("push")
    open_url = http_listener.wait_for(1)[0].json()["message"]["data"]["open_url"]
    path = urlsplit(open_url).path

    assert client.get(path).status_code == 405  # only the app's POST counts
    assert client.post(path).status_code == 204
    assert client.post(path).status_code == 204
    reaction = Reaction.objects.get(message_id=result.message_id)
    assert (reaction.kind, reaction.count) == ("opened", 2)
    assert client.post(path[:-3] + "xx/").status_code == 404


@pytest.mark.django_db
def test_push_with_only_dead_tokens_fails_and_gateway_errors_retry(http_listener, make_profile):
    dead = make_profile(push_tokens=["gone"])
    http_listener.respond(lambda request: (404, UNREGISTERED))
    dead_result = request_push(dead, key="dead")
    deliver_batch("push")
    dead_message = Message.objects.get(pk=dead_result.message_id)
    assert dead_message.status == "failed" and "unregistered" in dead_message.reason
    dead.refresh_from_db()
    assert dead.push_tokens == []

    busy = make_profile()
    http_listener.respond(lambda request: (503, {"error": {"status": "UNAVAILABLE"}}))
    busy_result = request_push(busy, key="busy")
    deliver_batch("push")
    busy_message = Message.objects.get(pk=busy_result.message_id)
    assert busy_message.status == "pending" and busy_message.attempts == 1
    assert busy_message.reason.startswith("push gateway: 503")


@pytest.mark.django_db
def test_push_without_consent_or_token_is_excluded(http_listener, make_profile):
    no_consent = make_profile(consent_push=False)
    no_token = make_profile(push_tokens=[])
    first = request_push(no_consent, key="a")
    second = request_push(no_token, key="b")
    deliver_batch("push")
    assert Message.objects.get(pk=first.message_id).reason == "no push consent"
    assert Message.objects.get(pk=second.message_id).reason == "no push device token"
    assert http_listener.requests == []


@pytest.mark.django_db
def test_sms_is_a_form_post_with_to_from_body(http_listener, make_profile):
    ChannelSettings.objects.create(
        channel="sms", sender_address="+15550001111", credential="AC123:secret"
    )
    profile = make_profile(first_name="Ana", phone="+14045550100")
    http_listener.respond(lambda request: (201, {"sid": "SM42", "status": "queued"}))
    result = message_request(
        key="sms-1",
        channel="sms",
        profile_id=profile.pk,
        content={"body": "Hi {{ profile.first_name }}, 10% off today"},
    )
    deliver_batch("sms")

    [request] = http_listener.wait_for(1)
    assert (request.method, request.path) == ("POST", "/sms")
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["authorization"].startswith("Basic ")
    assert request.form() == {
        "To": "+14045550100",
        "From": "+15550001111",
        "Body": "Hi Ana, 10% off today",
    }
    message = Message.objects.get(pk=result.message_id)
    assert (message.status, message.provider_id) == ("sent", "SM42")


@pytest.mark.django_db
def test_sms_refused_by_the_provider_fails_and_no_consent_is_excluded(http_listener, make_profile):
    http_listener.respond(lambda request: (400, {"message": "invalid To number"}))
    refused = message_request(
        key="sms-1", channel="sms", profile_id=make_profile().pk, content={"body": "x"}
    )
    excluded = message_request(
        key="sms-2",
        channel="sms",
        profile_id=make_profile(consent_sms=False).pk,
        content={"body": "x"},
    )
    deliver_batch("sms")
    refused_message = Message.objects.get(pk=refused.message_id)
    assert (
        refused_message.status == "failed"
        and "invalid To number" in refused_message.provider_response
    )
    assert Message.objects.get(pk=excluded.message_id).reason == "no sms consent"
    assert len(http_listener.requests) == 1


def request_sms(profile, key="sms-1"):
    return message_request(key=key, channel="sms", profile_id=profile.pk, content={"body": "Hello"})


@pytest.mark.django_db
def test_sms_throttled_with_retry_after_waits_that_long_then_is_delivered(
    http_listener, make_profile, outbox_clock
):
    answers = iter(
        [(429, {"message": "Too Many Requests"}, {"Retry-After": "120"}), (201, {"sid": "SM7"})]
    )
    http_listener.respond(lambda request: next(answers))
    result = request_sms(make_profile())

    with outbox_clock.frozen() as now:
        deliver_batch("sms")

    message = Message.objects.get(pk=result.message_id)
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.next_attempt_at == now + dt.timedelta(seconds=120)  # not the 30 s back-off
    assert message.reason == "SMS provider 429 (Retry-After: 120)"

    outbox_clock.advance(119)
    assert deliver_batch("sms") == 0  # a second early: the provider is not called
    assert len(http_listener.requests) == 1

    outbox_clock.advance(1)
    assert deliver_batch("sms") == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.provider_id) == ("sent", 2, "SM7")
    assert len(http_listener.requests) == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "retry_after", "seconds"),
    [
        (503, "600", 600),
        (429, "5", 30),  # shorter than the back-off: the back-off stands
        (429, "86400", 3600),  # capped at an hour
        (429, "in a while", 30),  # unreadable: ignored
        (500, "120", 30),  # only 429 and 503 are read
        (429, "http-date +300", 300),
    ],
)
def test_retry_after_in_seconds_or_as_a_date_is_honoured_within_limits(
    http_listener, make_profile, outbox_clock, status, retry_after, seconds
):
    expected = outbox_clock.now + dt.timedelta(seconds=seconds)
    if retry_after.startswith("http-date"):  # whole seconds
        expected = outbox_clock.now.replace(microsecond=0) + dt.timedelta(seconds=seconds)
        retry_after = format_datetime(expected, usegmt=True)
    http_listener.respond(
        lambda request: (status, {"message": "busy"}, {"Retry-After": retry_after})
    )
    result = request_sms(make_profile())

    with outbox_clock.frozen():
        deliver_batch("sms")

    message = Message.objects.get(pk=result.message_id)
    assert message.status == "pending"
    assert message.next_attempt_at == expected


@pytest.mark.django_db
def test_push_throttled_with_retry_after_waits_that_long_then_is_delivered(
    http_listener, make_profile, outbox_clock
):
    throttled = True

    def gateway(request):
        if throttled:
            return 429, {"error": {"status": "RESOURCE_EXHAUSTED"}}, {"Retry-After": "120"}
        return 200, {"name": "projects/sentier/messages/1"}

    http_listener.respond(gateway)
    result = request_push(make_profile())

    with outbox_clock.frozen() as now:
        deliver_batch("push")

    message = Message.objects.get(pk=result.message_id)
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.next_attempt_at == now + dt.timedelta(seconds=120)
    assert message.reason.startswith("push gateway: 429 (Retry-After: 120)")

    throttled = False
    outbox_clock.advance(120)
    deliver_batch("push")
    message.refresh_from_db()
    assert (message.status, message.provider_id) == ("sent", "projects/sentier/messages/1")


@pytest.mark.django_db
def test_without_endpoints_the_local_run_prints_pushes_and_sms_and_records_them_sent(
    settings, make_profile, capsys
):
    settings.FCM_ENDPOINT = settings.SMS_ENDPOINT = ""
    settings.CHANNELS_CONSOLE_FALLBACK = True  # as in config/settings/local.py (`make run`)
    settings.PUBLIC_URL = "http://127.0.0.1:8000"
    ChannelSettings.objects.create(channel="sms", sender_address="+15550001111")
    profile = make_profile(first_name="Ana", phone="+14045550100", push_tokens=["ana-phone"])
    push = request_push(profile, context={"event": {"purchase": {"product": "blue shoes"}}})
    sms = message_request(
        key="sms-console",
        channel="sms",
        profile_id=profile.pk,
        content={"body": "Hi {{ profile.first_name }}, 10% off today"},
    )

    deliver_batch("push")
    deliver_batch("sms")

    printed = capsys.readouterr().out
    push_part, sms_part = printed.split("--- sms ")
    assert f"push #{push.message_id} (console: FCM_ENDPOINT is not set)" in push_part
    assert f"profile {profile.pk} (1 device: ana-phone)" in push_part
    assert "Title: Hi Ana" in push_part and "Body: Your blue shoes" in push_part
    assert tracking.push_open_url(push.message_id) in push_part
    assert f"#{sms.message_id} (console: SMS_ENDPOINT is not set)" in sms_part
    assert "To: +14045550100" in sms_part and "From: +15550001111" in sms_part
    assert "Text: Hi Ana, 10% off today" in sms_part
    for result in (push, sms):
        message = Message.objects.get(pk=result.message_id)
        assert (message.status, message.provider_response) == ("sent", "console")
        assert message.sent_at is not None


@pytest.mark.django_db
def test_without_endpoints_and_no_console_fallback_pushes_and_sms_wait(
    settings, make_profile, capsys
):
    settings.FCM_ENDPOINT = settings.SMS_ENDPOINT = ""
    settings.CHANNELS_CONSOLE_FALLBACK = False  # test and production settings
    profile = make_profile()
    push = request_push(profile)
    sms = request_sms(profile)

    deliver_batch("push")
    deliver_batch("sms")

    assert capsys.readouterr().out == ""
    for result, endpoint in ((push, "FCM_ENDPOINT"), (sms, "SMS_ENDPOINT")):
        message = Message.objects.get(pk=result.message_id)
        assert (message.status, message.attempts) == ("pending", 1)
        assert message.reason == f"{endpoint} is not configured"
