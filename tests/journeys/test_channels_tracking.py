"""Reactions through the signed tracking URLs found in real emails, the unsubscribe page
(without login, RFC 8058 one-click), and the reaction subscribers."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from journeys.channels import message_request
from journeys.channels.delivery import deliver_batch
from journeys.channels.reactions import subscribe, unsubscribe_callback
from journeys.models import Message, Reaction

HTML = '<p>Hi</p><p><a href="https://shop.example.com/offer?a=1&amp;b=2">Offer</a></p>'


@pytest.fixture
def published():
    received = []
    subscribe(received.extend)
    yield received
    unsubscribe_callback(received.extend)


@pytest.fixture
def sent_email(smtp_server, make_profile):
    profile = make_profile(email="ana@example.com")
    result = message_request(
        key="run:9:first:email",
        channel="email",
        profile_id=profile.pk,
        run_id=9,
        node_id="first",
        content={"subject": "Hi", "html": HTML, "text": "Hi"},
    )
    deliver_batch("email")
    [received] = smtp_server.wait_for(1)
    return Message.objects.get(pk=result.message_id), received


def path_of(url: str) -> str:
    return urlsplit(url).path


@pytest.mark.django_db
def test_loading_the_pixel_records_one_open_and_publishes_it_once(
    client, sent_email, published, django_capture_on_commit_callbacks
):
    message, received = sent_email
    pixel = re.search(r'<img src="([^"]+)"', received.html).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(path_of(pixel))
    assert response.status_code == 200 and response["Content-Type"] == "image/gif"
    with django_capture_on_commit_callbacks(execute=True):
        client.get(path_of(pixel))
    reaction = Reaction.objects.get(message=message)
    assert (reaction.kind, reaction.count) == ("opened", 2)
    assert len(published) == 1
    first = published[0]
    assert (
        first.message_id,
        first.run_id,
        first.node_id,
        first.channel,
        first.kind,
        first.profile_id,
    ) == (message.pk, 9, "first", "email", "opened", message.profile_id)


@pytest.mark.django_db
def test_a_tracked_link_redirects_and_records_a_click_and_an_implied_open(
    client, sent_email, published, django_capture_on_commit_callbacks
):
    message, received = sent_email
    link = re.search(r'<a href="([^"]+)">Offer', received.html).group(1).replace("&amp;", "&")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(path_of(link))
    assert response.status_code == 302
    assert response["Location"] == "https://shop.example.com/offer?a=1&b=2"
    assert dict(Reaction.objects.values_list("kind", "count")) == {"clicked": 1, "opened": 1}
    assert sorted(r.kind for r in published) == ["clicked", "opened"]
    assert (
        next(r for r in published if r.kind == "clicked").url
        == "https://shop.example.com/offer?a=1&b=2"
    )


@pytest.mark.django_db
def test_forged_or_altered_tracking_urls_are_404_and_record_nothing(client, sent_email):
    message, received = sent_email
    pixel = path_of(re.search(r'<img src="([^"]+)"', received.html).group(1))
    link = path_of(re.search(r'<a href="([^"]+)">Offer', received.html).group(1))
    token = pixel.split("/")[3]
    altered = pixel.replace(token, token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"))
    assert client.get(altered).status_code == 404
    assert client.get("/t/o/MTIz:forged/").status_code == 404
    assert client.get(link[:-4] + "xyz/").status_code == 404
    # a valid open token is not a valid click token (one salt per kind)
    assert client.get(f"/t/c/{token}/").status_code == 404
    assert not Reaction.objects.exists()


@pytest.mark.django_db
def test_unsubscribe_page_works_without_login_and_stops_further_emails(
    client, sent_email, smtp_server
):
    message, received = sent_email
    unsubscribe = path_of(received.header("List-Unsubscribe").strip().strip("<>"))
    page = client.get(unsubscribe)
    assert page.status_code == 200 and b"Stop receiving emails" in page.content
    assert (
        "a••••@example.com" in page.content.decode()
        and "ana@example.com" not in page.content.decode()
    )
    message.profile.refresh_from_db()
    assert message.profile.consent_email  # a GET (link scanners) changes nothing

    one_click = client.post(
        unsubscribe,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert one_click.status_code == 200 and b"You are unsubscribed" in one_click.content
    message.profile.refresh_from_db()
    assert (
        not message.profile.consent_email and message.profile.unsubscribes.get().channel == "email"
    )

    message.profile.consent_email = True  # a later import says yes again: the unsubscribe wins
    message.profile.save()
    later = message_request(
        key="later",
        channel="email",
        profile_id=message.profile_id,
        content={"subject": "Again", "text": "x"},
    )
    deliver_batch("email")
    assert Message.objects.get(pk=later.message_id).reason == "unsubscribed from email"
    assert len(smtp_server.messages) == 1
