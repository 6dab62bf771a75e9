"""The channels on SQLite (`make run`'s embedded database): request → delivery → record.

The suite runs on PostgreSQL, so this module runs the real commands in a subprocess against a
fresh SQLite file: `migrate`, `load_demo`, then a script that requests messages (one by one and
set-based), delivers them in-process (the delivery unit of work is a plain function, no worker
needed), records reactions, and prints what a user would check. EMAIL_URL=locmem:// keeps the
sent emails in `django.core.mail.outbox`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import datetime as dt, json
import django
django.setup()
from django.core import mail
from django.db import transaction
from django.utils import timezone
from audiences.models import Identity, Profile
from journeys import channels
from journeys.channels import delivery, outbox, reactions
from journeys.models import Message, Reaction

profiles = list(
    Profile.objects.filter(consent_email=True, is_test=False, identities__namespace="email")
    .order_by("id")[:4]
)
emails = sorted(Identity.objects.filter(namespace="email", profile__in=profiles)
                .values_list("value", flat=True))
body = {"subject": "Hi {{ profile.first_name }}", "text": "Hello {{ profile.first_name }}",
        "html": "<p>Hello {{ profile.first_name }}</p>"}
with transaction.atomic():
    first = channels.message_request(key="sqlite:1", channel="email", profile_id=profiles[0].id,
                                     content=body, context={"note": "one"})
    again = channels.message_request(key="sqlite:1", channel="email", profile_id=profiles[0].id,
                                     content=body)
    content_id = channels.content_ensure(channel="email", body=body)
    fanned = outbox.messages_enqueue_from_select(
        sql="SELECT 'sqlite:fan:' || id AS key, id AS profile_id, NULL AS run_id "
            "FROM audiences_profile WHERE id IN (%s, %s, %s)",
        params=[p.id for p in profiles[1:4]], channel="email", content_id=content_id)
    push = channels.message_request(key="sqlite:push", channel="push", profile_id=profiles[0].id,
                                    content={"title": "T", "body": "B"})
delivered = delivery.deliver_batch("email")
# push has no provider configured here: a retry, due later, so not claimed again now
delivery.deliver_batch("push")
push_row = Message.objects.get(pk=push.message_id)
claimed_again = delivery.claim_batch("push", limit=10, token="again")
# a push send that reports one device token unregistered: the step records it and drops the token
Profile.objects.filter(pk=profiles[0].id).update(push_tokens=["tok-a", "tok-b"])
with transaction.atomic():
    push2 = channels.message_request(key="sqlite:push2", channel="push",
                                     profile_id=profiles[0].id, content={"title": "T", "body": "B"})
claimed = delivery.claim_batch("push", limit=10, token="tk")
(item,) = delivery.load_items(claimed)
sender = delivery.sender_for("push")
marked = delivery.step(sender, [], [item], token="tk")
delivery.step(sender, [(item, delivery.Outcome("sent", provider_id="p-1",
                                               invalid_tokens=["tok-a"]))], [], token="tk")
push2_row = Message.objects.get(pk=push2.message_id)
opened_first = reactions.reaction_record(message_id=first.message_id, kind="opened")
opened_again = reactions.reaction_record(message_id=first.message_id, kind="opened")
reaction = Reaction.objects.get(message_id=first.message_id, kind="opened")
print(json.dumps({
    "created": [first.created, again.created, again.message_id == first.message_id],
    "fanned": fanned,
    "delivered": delivered,
    "statuses": sorted(Message.objects.filter(key__startswith="sqlite:", channel="email")
                       .values_list("status", flat=True)),
    "sent_at_set": all(m.sent_at for m in Message.objects.filter(status="sent")),
    "subjects": sorted(str(m.message()["Subject"]) for m in mail.outbox),
    "recipients": sorted(m.to[0].split("<")[-1].rstrip(">") for m in mail.outbox),
    "emails": emails,
    "first_name": profiles[0].first_name,
    "push": [push_row.status, push_row.attempts, push_row.next_attempt_at > timezone.now(),
             push_row.reason],
    "claimed_again": claimed_again,
    "push2": [claimed == [push2.message_id], [m.id for m in marked] == claimed,
              push2_row.status, push2_row.attempts, push2_row.provider_id,
              Profile.objects.get(pk=profiles[0].id).push_tokens],
    "opened": [opened_first, opened_again, reaction.count,
               abs((timezone.now() - reaction.first_at).total_seconds()) < 60],
}))
"""


@pytest.fixture
def sqlite_env(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "EMAIL_URL": "locmem://",
        "CELERY_BROKER_URL": "memory://",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "CHANNELS_CONSOLE_FALLBACK": "false",  # the push below waits for a provider
    }
    for command in (["migrate", "-v0"], ["load_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
    return env


def test_messages_are_requested_delivered_and_recorded_on_sqlite(sqlite_env):
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=sqlite_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])

    assert result["created"] == [True, False, True]  # same key: one message
    assert result["fanned"] == 3
    assert result["delivered"] == 4
    assert result["statuses"] == ["sent"] * 4
    assert result["sent_at_set"]
    assert result["recipients"] == result["emails"]
    assert f"Hi {result['first_name']}" in result["subjects"]

    status, attempts, later, reason = result["push"]
    assert (status, attempts, later) == ("pending", 1, True)
    assert "FCM_ENDPOINT" in reason
    assert result["claimed_again"] == []

    assert result["push2"] == [True, True, "sent", 1, "p-1", ["tok-b"]]

    assert result["opened"] == [True, False, 2, True]
