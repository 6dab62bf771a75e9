"""Reads of the channels: the message log (API and page) and per-profile histories."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from journeys.models import Message, Reaction


@dataclass(frozen=True)
class MessageFilters:
    profile_id: int | None = None
    channel: str = ""
    status: str = ""
    run_id: int | None = None
    journey_version_id: int | None = None
    is_test: bool | None = None
    node_id: str = ""


def message_list(*, filters: MessageFilters) -> QuerySet[Message]:
    """Messages newest first (by id: the primary key index), with their content, profile and
    reactions (one extra query per page)."""
    messages = Message.objects.select_related("content", "profile").prefetch_related(
        Prefetch("reactions", queryset=Reaction.objects.order_by("kind"))
    )
    if filters.profile_id is not None:
        messages = messages.filter(profile_id=filters.profile_id)
    if filters.channel:
        messages = messages.filter(channel=filters.channel)
    if filters.status:
        messages = messages.filter(status=filters.status)
    if filters.run_id is not None:
        messages = messages.filter(run_id=filters.run_id)
    if filters.journey_version_id is not None:
        messages = messages.filter(journey_version_id=filters.journey_version_id)
    if filters.is_test is not None:
        messages = messages.filter(is_test=filters.is_test)
    if filters.node_id:
        messages = messages.filter(node_id=filters.node_id)
    return messages.order_by("-id")


def message_summary(message: Message) -> str:
    """One line saying what the message is: subject, title or text (template source)."""
    body = message.content.body or {}
    if message.channel == "action":
        return "custom action"
    return body.get("subject") or body.get("title") or body.get("body") or ""
