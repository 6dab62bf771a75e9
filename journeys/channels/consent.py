"""Unsubscribing: the profile stops receiving a channel, recorded for good."""

from __future__ import annotations

from django.db import transaction

from audiences.models import Profile
from journeys.models import Channel, Message, Unsubscribe

from .profiles import CONSENT_FIELD


@transaction.atomic
def unsubscribe_record(*, message_id: int) -> Unsubscribe | None:
    """Unsubscribe the message's profile from the message's channel (idempotent).

    Steps: find the message; record the Unsubscribe (unique per profile and channel); clear the
    profile's consent flag for that channel. Returns None for an unknown message.
    """
    message = Message.objects.filter(pk=message_id).only("id", "profile_id", "channel").first()
    if message is None or message.channel not in CONSENT_FIELD:
        return None
    unsubscribe, _ = Unsubscribe.objects.get_or_create(
        profile_id=message.profile_id, channel=message.channel, defaults={"message": message}
    )
    Profile.objects.filter(pk=message.profile_id).update(**{CONSENT_FIELD[message.channel]: False})
    return unsubscribe


def channel_label(channel: str) -> str:
    return {
        Channel.EMAIL: "emails",
        Channel.PUSH: "push notifications",
        Channel.SMS: "text messages",
    }.get(channel, channel)
