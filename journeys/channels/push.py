"""Push as FCM HTTP v1 `messages:send` requests to `FCM_ENDPOINT`, one per device token.

`message.data.open_url` is a signed URL: a POST to it records *opened*. A token the gateway
declares unregistered (404, or 400 naming UNREGISTERED / an invalid token) is removed from the
profile. The collapse key is the message's, so a re-send after a lost worker replaces the first
notification instead of adding a second one. A 429/503 with `Retry-After` is waited out.
Without `FCM_ENDPOINT`, pushes wait (pending) for one, or with CHANNELS_CONSOLE_FALLBACK (the
local run) are printed on the worker's console (`console.py`).
"""

from __future__ import annotations

from django.conf import settings

from journeys.models import Channel, ChannelSettings

from . import console, tracking
from .delivery import Outcome, Outgoing, Sender
from .http import HttpAnswer, HttpFailure, HttpSession, is_transient, retry_after, status_text
from .render import RenderError, render, template_context


class PushSender(Sender):
    channel = Channel.PUSH
    # Marked and recorded 8 at a time: a re-send after a crash carries the same collapse key,
    # so the device replaces the notification; 8× fewer database round trips.
    group_size = 8

    def open(self) -> None:
        configured = ChannelSettings.objects.filter(channel=Channel.PUSH).first()
        project = (configured.project_id if configured else "") or "sentier"
        self.url = f"{settings.FCM_ENDPOINT}/v1/projects/{project}/messages:send"
        self.headers = {}
        if configured and configured.credential:
            self.headers["Authorization"] = f"Bearer {configured.credential}"
        self.session = HttpSession()

    def close(self) -> None:
        self.session.close()

    def send(self, item: Outgoing) -> Outcome:
        if not settings.FCM_ENDPOINT and not console.enabled():
            return Outcome("retry", reason="FCM_ENDPOINT is not configured")
        try:
            context = template_context(item)
            title = render(item.body.get("title", ""), context, field="title")
            body = render(item.body.get("body", ""), context, field="body")
        except RenderError as exc:
            return Outcome("failed", reason=f"template error in {exc}")
        open_url = tracking.push_open_url(item.id)
        if not settings.FCM_ENDPOINT:  # the local run: shown on the worker's console
            tokens = item.profile["push_tokens"]
            devices = f"{len(tokens)} device{'s' if len(tokens) != 1 else ''}: {', '.join(tokens)}"
            lines = [
                ("To", f"profile {item.profile_id} ({devices})"),
                ("Title", title),
                ("Body", body),
                ("Open URL (POST)", open_url),
            ]
            return console.print_message(item, lines, missing="FCM_ENDPOINT")
        sent, invalid, transient, fatal = [], [], [], []
        not_before = []  # the gateway's Retry-After, per throttled token
        for token in item.profile["push_tokens"]:
            payload = {
                "message": {
                    "token": token,
                    "notification": {"title": title, "body": body},
                    "data": {"open_url": open_url, "message_id": str(item.id)},
                    "android": {"collapse_key": f"sentier-{item.id}"},
                    "apns": {"headers": {"apns-collapse-id": f"sentier-{item.id}"}},
                }
            }
            try:
                answer = self.session.post_json(self.url, payload, headers=self.headers)
            except HttpFailure as exc:
                transient.append(str(exc)[:200])
                continue
            if answer.status == 200:
                sent.append(str((answer.json() or {}).get("name", "")))
            elif _unregistered(answer):
                invalid.append(token)
            elif is_transient(answer.status):
                transient.append(f"{status_text(answer)} {answer.text[:200]}")
                if (when := retry_after(answer)) is not None:
                    not_before.append(when)
            else:
                fatal.append(f"{answer.status} {answer.text[:200]}")
        summary = f"{len(sent)} delivered, {len(invalid)} unregistered, {len(transient) + len(fatal)} failed"
        details = "; ".join(transient + fatal)
        if sent:
            response = f"{summary}. {details}" if details else summary
            return Outcome("sent", provider_id=sent[0], response=response, invalid_tokens=invalid)
        if transient:
            return Outcome(
                "retry",
                response=details,
                reason=f"push gateway: {transient[0]}",
                invalid_tokens=invalid,
                retry_at=max(not_before, default=None),
            )
        if fatal:
            return Outcome(
                "failed",
                response=details,
                reason=f"push gateway refused: {fatal[0]}",
                invalid_tokens=invalid,
            )
        return Outcome(
            "failed", reason="every device token is unregistered (removed)", invalid_tokens=invalid
        )


def _unregistered(answer: HttpAnswer) -> bool:
    if answer.status == 404:
        return True
    if answer.status == 400:
        text = answer.text
        return "UNREGISTERED" in text or "registration token" in text.lower()
    return False
