"""Channels: the outbox and the delivery of email, push, SMS and custom actions, with tracking,
reactions and consent. The engine talks to this package only through the functions below, always
from inside its own transaction (the outbox row commits with the step that caused it).

Requesting messages
-------------------
``content_ensure(*, channel, body) -> int``
    Validate a message body (templates checked; errors raise ``ChannelRequestError`` with
    ``.field`` such as ``"email.subject"``) and return its content id (one row per distinct
    body). Bodies: email ``{"subject", "html", "text"}``, push ``{"title", "body"}``,
    sms ``{"body"}``.
``message_request(*, key, channel, profile_id, content=None, content_id=None, run_id=None,
node_id="", journey_version_id=None, is_test=False, context=None) -> MessageRequestResult``
    One message to one profile. Idempotent by ``key`` (use ``message_key(run_id=, node_id=,
    channel=)``); ``context`` is the run context templates see besides ``profile`` (e.g.
    ``{"event": {"purchase": {...}}}``). Returns ``(message_id, created)``. Delivery starts when
    the caller's transaction commits.
``messages_enqueue_from_select(*, sql, params, channel, content_id, node_id="",
journey_version_id=None, is_test=False) -> int``
    Set-based fan-out: ``sql`` selects ``key, profile_id, run_id`` (optional ``context``);
    one ``INSERT … SELECT … ON CONFLICT (key) DO NOTHING``; returns how many were created.
``action_request(*, key, action, profile_id, params=None, run_id=None, node_id="",
journey_version_id=None, is_test=False, context=None) -> MessageRequestResult``
    One custom-action call (``action``: id or name; ``params`` by name, string values are
    templates), same guarantees.

Consent is checked at delivery: a message to a profile without consent on its channel, or who
unsubscribed, ends ``excluded`` with the reason (so a consent change before delivery counts).

Reactions
---------
``journeys.channels.reactions.subscribe(callback)``: after commit, ``callback(list of
MessageReaction)`` for the first *opened* / *clicked* of each message (``message_id, run_id,
node_id, channel, kind, profile_id, is_test, occurred_at, url``). Repeats are only counted.
"""

from .content import ChannelRequestError, content_ensure
from .outbox import (
    MessageRequestResult,
    action_request,
    message_key,
    message_request,
    messages_enqueue_from_select,
)

__all__ = [
    "ChannelRequestError",
    "MessageRequestResult",
    "action_request",
    "content_ensure",
    "message_key",
    "message_request",
    "messages_enqueue_from_select",
]
