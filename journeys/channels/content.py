"""Message content: validated per channel, stored once per distinct body (content-addressed).

`content_ensure(channel=..., body=...)` checks every template (errors name the field, with line
and column) and returns the id of the one `MessageContent` row holding that body, creating it if
needed — so the engine calls it once per message node, then fans out with that id.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import connection

from journeys.models import Channel, CustomAction, MessageContent
from journeys.templating import check_template

# Fields each channel's body accepts; the first ones listed are required.
CHANNEL_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    Channel.EMAIL: (("subject",), ("html", "text")),
    Channel.PUSH: (("body",), ("title",)),
    Channel.SMS: (("body",), ()),
}
MAX_SUBJECT_CHARS = 500


class ChannelRequestError(ValueError):
    """A request the channels layer refuses; `field` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def content_validate(*, channel: str, body: dict[str, Any], prefix: str = "") -> None:
    """Raise ChannelRequestError naming the first bad field of a message body."""
    where = f"{prefix}{channel}" if prefix else channel
    if channel == Channel.ACTION:
        _action_body_validate(body, where)
        return
    if channel not in CHANNEL_FIELDS:
        raise ChannelRequestError(
            "channel", f"unknown channel {channel!r} (email, push, sms, action)"
        )
    if not isinstance(body, dict):
        raise ChannelRequestError(where, "must be an object")
    required, optional = CHANNEL_FIELDS[channel]
    for name in body:
        if name not in required + optional:
            raise ChannelRequestError(f"{where}.{name}", "unknown field")
    for name in required:
        if not str(body.get(name) or "").strip():
            raise ChannelRequestError(f"{where}.{name}", "required")
    if channel == Channel.EMAIL and not (body.get("html") or body.get("text")):
        raise ChannelRequestError(f"{where}.html", "an email needs an HTML or a text body")
    for name, value in body.items():
        if not isinstance(value, str):
            raise ChannelRequestError(f"{where}.{name}", "must be a string")
        problem = check_template(value)
        if problem:
            raise ChannelRequestError(f"{where}.{name}", str(problem))


def _action_body_validate(body: dict[str, Any], where: str) -> None:
    action_id = body.get("action_id")
    if not isinstance(action_id, int) or not CustomAction.objects.filter(pk=action_id).exists():
        raise ChannelRequestError(f"{where}.action", "unknown custom action")
    params = body.get("params") or {}
    if not isinstance(params, dict):
        raise ChannelRequestError(f"{where}.params", "must be an object")
    for name, value in params.items():
        if isinstance(value, str):
            problem = check_template(value)
            if problem:
                raise ChannelRequestError(f"{where}.params.{name}", str(problem))


def content_digest(channel: str, body: dict[str, Any]) -> str:
    canonical = json.dumps(
        [channel, body], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def content_ensure(*, channel: str, body: dict[str, Any]) -> int:
    """Validate `body`, then return the id of its content row (one row per distinct body).

    Steps: validate; digest; `INSERT … ON CONFLICT (digest) DO NOTHING`; read the id back.
    """
    content_validate(channel=channel, body=body)
    digest = content_digest(channel, body)
    table = MessageContent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (digest, channel, body, created_at) VALUES (%s, %s, %s, now()) "
            "ON CONFLICT (digest) DO NOTHING RETURNING id",
            [digest, channel, json.dumps(body)],
        )
        row = cursor.fetchone()
        if row:
            return row[0]
    return MessageContent.objects.values_list("id", flat=True).get(digest=digest)
