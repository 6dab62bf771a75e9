"""Email end to end against a real SMTP server: what arrives (MIME parts, headers), what is
recorded, idempotency, consent and provider errors."""

from __future__ import annotations

import pytest
from django.db import transaction

from journeys.channels import ChannelRequestError, message_request, messages_enqueue_from_select
from journeys.channels.content import content_ensure
from journeys.channels.delivery import deliver_batch
from journeys.models import ChannelSettings, Message, Unsubscribe

WELCOME = {
    "subject": "Hi {{ profile.first_name }}",
    "html": '<p>Hello {{ profile.first_name | default("there") }}, your {{ event.purchase.product }}.</p>'
    '<p><a href="https://shop.example.com/offer?a=1&amp;b=2">See the offer</a></p>',
    "text": "Hello {{ profile.first_name }}, your {{ event.purchase.product }}.",
}


def request_email(profile, key="run:1:first:email", content=WELCOME, **extra):
    return message_request(
        key=key,
        channel="email",
        profile_id=profile.pk,
        content=content,
        run_id=1,
        node_id="first",
        **extra,
    )


@pytest.mark.django_db
def test_email_arrives_multipart_personalised_with_unsubscribe_headers(
    smtp_server, make_profile, settings
):
    settings.PUBLIC_URL = "https://sentier.example.com"
    ChannelSettings.objects.create(
        channel="email", sender_name="Luma Shop", sender_address="news@luma.example"
    )
    ana = make_profile(email="ana@example.com", first_name="Ana", last_name="Lopez")
    result = request_email(ana, context={"event": {"purchase": {"product": "blue shoes"}}})

    assert deliver_batch("email") == 1

    [received] = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["ana@example.com"]
    assert received.header("From") == "Luma Shop <news@luma.example>"
    assert received.header("To") == "Ana Lopez <ana@example.com>"
    assert received.subject == "Hi Ana"
    assert received.message.get_content_type() == "multipart/alternative"
    assert "Hello Ana, your blue shoes." in received.text
    assert "Hello Ana, your blue shoes." in received.html
    # tracking: the link goes through a signed redirect, an open pixel under PUBLIC_URL
    assert "https://shop.example.com/offer" not in received.html
    assert 'href="https://sentier.example.com/t/c/' in received.html
    assert '<img src="https://sentier.example.com/t/o/' in received.html
    # unsubscribe: a link in both parts, RFC 8058 headers
    unsubscribe = received.header("List-Unsubscribe").strip().strip("<>")
    assert unsubscribe.startswith("https://sentier.example.com/t/u/")
    assert received.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert unsubscribe in received.html and unsubscribe in received.text

    message = Message.objects.get(pk=result.message_id)
    assert message.status == "sent" and message.attempts == 1 and message.sent_at
    assert message.provider_id == received.message_id
    assert received.message_id.endswith("@luma.example>")


@pytest.mark.django_db
def test_default_filter_and_html_autoescape(smtp_server, make_profile):
    profile = make_profile(first_name="")
    profile.attributes = {"nickname": "<b>Bo</b>"}
    profile.save()
    request_email(
        profile,
        content={
            "subject": "Hi {{ profile.first_name | default('there', true) }}",
            "html": "<p>{{ profile.nickname }}</p>",
        },
    )
    deliver_batch("email")
    [received] = smtp_server.wait_for(1)
    assert received.subject == "Hi there"
    assert "&lt;b&gt;Bo&lt;/b&gt;" in received.html
    assert "Bo" in received.text  # text part derived from the HTML when none is given


@pytest.mark.django_db
def test_asking_twice_with_the_same_key_sends_once(smtp_server, make_profile):
    profile = make_profile()
    first = request_email(profile)
    second = request_email(profile)
    assert first.created and not second.created and first.message_id == second.message_id
    deliver_batch("email")
    deliver_batch("email")
    smtp_server.wait_for(1)
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db
def test_the_request_is_part_of_the_callers_transaction(make_profile):
    profile = make_profile()
    with pytest.raises(RuntimeError), transaction.atomic():
        request_email(profile)
        raise RuntimeError("the step failed")
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_bad_content_is_refused_naming_the_field(make_profile):
    profile = make_profile()
    with pytest.raises(ChannelRequestError) as error:
        request_email(profile, content={"subject": "Hi {{ profile.first_name ", "text": "x"})
    assert error.value.field == "email.subject"
    assert "line 1" in error.value.message
    with pytest.raises(ChannelRequestError) as error:
        request_email(profile, content={"subject": "", "text": "x"})
    assert error.value.field == "email.subject"
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_no_consent_or_unsubscribed_or_no_address_is_excluded_with_reason(
    smtp_server, make_profile
):
    without_consent = make_profile(consent=False)
    unsubscribed = make_profile()
    Unsubscribe.objects.create(profile=unsubscribed, channel="email")
    no_address = make_profile(email=None)
    ok = make_profile(email="ok@example.com")
    for index, profile in enumerate([without_consent, unsubscribed, no_address, ok]):
        request_email(profile, key=f"k{index}")

    deliver_batch("email")

    smtp_server.wait_for(1)
    assert [m.rcpt_tos for m in smtp_server.messages] == [["ok@example.com"]]
    reasons = dict(Message.objects.values_list("profile_id", "reason"))
    statuses = dict(Message.objects.values_list("profile_id", "status"))
    assert reasons[without_consent.pk] == "no email consent"
    assert reasons[unsubscribed.pk] == "unsubscribed from email"
    assert reasons[no_address.pk] == "no email address"
    assert [statuses[p.pk] for p in (without_consent, unsubscribed, no_address, ok)] == [
        "excluded",
        "excluded",
        "excluded",
        "sent",
    ]


@pytest.mark.django_db
def test_temporary_smtp_refusal_retries_later_and_permanent_one_fails(smtp_server, make_profile):
    profile = make_profile()
    result = request_email(profile)
    smtp_server.reject = (451, "try again later")
    deliver_batch("email")
    message = Message.objects.get(pk=result.message_id)
    assert message.status == "pending" and message.attempts == 1
    assert message.reason == "SMTP 451: temporary" and message.next_attempt_at > message.updated_at
    assert deliver_batch("email") == 0  # not due yet: back-off

    Message.objects.filter(pk=message.pk).update(
        next_attempt_at=message.updated_at
    )  # move the clock
    smtp_server.reject = (550, "no such mailbox")
    deliver_batch("email")
    message.refresh_from_db()
    assert message.status == "failed" and message.attempts == 2
    assert message.provider_response.startswith("550")

    smtp_server.reject = None
    assert deliver_batch("email") == 0
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_unreachable_smtp_server_is_a_transient_error(settings, make_profile):
    from tests.peers import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    result = request_email(make_profile())
    deliver_batch("email")
    message = Message.objects.get(pk=result.message_id)
    assert message.status == "pending" and message.reason.startswith("SMTP connection")


@pytest.mark.django_db
def test_fan_out_from_a_select_is_set_based_and_idempotent(smtp_server, make_profile):
    profiles = [make_profile() for _ in range(30)]
    content_id = content_ensure(
        channel="email", body={"subject": "Hello {{ profile.first_name }}", "text": "Hi"}
    )
    sql = (
        "SELECT 'fan:' || p.id AS key, p.id AS profile_id, 1000 + p.id AS run_id "
        "FROM audiences_profile p WHERE p.id = ANY(%s)"
    )
    ids = [p.pk for p in profiles]
    created = messages_enqueue_from_select(
        sql=sql,
        params=[ids],
        channel="email",
        content_id=content_id,
        node_id="first",
        journey_version_id=7,
    )
    assert created == 30
    again = messages_enqueue_from_select(
        sql=sql, params=[ids], channel="email", content_id=content_id
    )
    assert again == 0
    assert Message.objects.count() == 30
    assert set(Message.objects.values_list("content_id", flat=True)) == {content_id}
    assert Message.objects.filter(
        run_id=1000 + profiles[0].pk, node_id="first", journey_version_id=7
    ).exists()

    deliver_batch("email")
    smtp_server.wait_for(30)
    assert sorted(m.subject for m in smtp_server.messages) == sorted(
        f"Hello {p.first_name}" for p in profiles
    )


@pytest.mark.django_db
def test_with_the_embedded_email_backend_the_same_document_goes_through_django(
    settings, make_profile
):
    """`make run` uses console:// — the message still renders, is recorded sent, and the
    document Django's backend gets is the one SMTP would carry."""
    from django.core import mail

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    result = request_email(
        make_profile(email="ana@example.com", first_name="Ana"),
        context={"event": {"purchase": {"product": "a hat"}}},
    )
    deliver_batch("email")
    [sent] = mail.outbox
    document = sent.message()
    assert document["Subject"] == "Hi Ana" and "ana@example.com" in document["To"]
    assert "Hello Ana, your a hat." in document.get_body(("plain",)).get_content()
    assert Message.objects.get(pk=result.message_id).status == "sent"
