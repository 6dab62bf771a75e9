"""Push as FCM HTTP v1 `messages:send` requests to `FCM_ENDPOINT`, one per device token.

`message.data.open_url` is a signed URL: a POST to it records *opened*. A token the gateway
declares unregistered (404, or 400 naming UNREGISTERED / an invalid token) is removed from the
profile. The collapse key is the message's, so a re-send after a lost worker replaces the first
notification instead of adding a second one.
"""

from __future__ import annotations

import httpx
from django.conf import settings

from journeys.models import Channel, ChannelSettings

from . import tracking
from .delivery import Outcome, Outgoing, Sender
from .http import http_client, is_transient
from .render import RenderError, render, template_context


class PushSender(Sender):
    channel = Channel.PUSH

    def open(self) -> None:
        configured = ChannelSettings.objects.filter(channel=Channel.PUSH).first()
        project = (configured.project_id if configured else "") or "sentier"
        self.url = f"{settings.FCM_ENDPOINT}/v1/projects/{project}/messages:send"
        self.headers = {"Content-Type": "application/json"}
        if configured and configured.credential:
            self.headers["Authorization"] = f"Bearer {configured.credential}"

    def send(self, item: Outgoing) -> Outcome:
        if not settings.FCM_ENDPOINT:
            return Outcome("retry", reason="FCM_ENDPOINT is not configured")
        try:
            context = template_context(item)
            title = render(item.body.get("title", ""), context, field="title")
            body = render(item.body.get("body", ""), context, field="body")
        except RenderError as exc:
            return Outcome("failed", reason=f"template error in {exc}")
        open_url = tracking.push_open_url(item.id)
        sent, invalid, transient, fatal = [], [], [], []
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
                response = http_client().post(self.url, json=payload, headers=self.headers)
            except httpx.HTTPError as exc:
                transient.append(f"{type(exc).__name__}")
                continue
            if response.status_code == 200:
                sent.append(_name(response))
            elif _unregistered(response):
                invalid.append(token)
            elif is_transient(response.status_code):
                transient.append(f"{response.status_code} {response.text[:200]}")
            else:
                fatal.append(f"{response.status_code} {response.text[:200]}")
        summary = f"{len(sent)} delivered, {len(invalid)} unregistered, {len(transient) + len(fatal)} failed"
        details = "; ".join(transient + fatal)
        if sent:
            return Outcome(
                "sent",
                provider_id=sent[0],
                response=f"{summary}. {details}".strip(),
                invalid_tokens=invalid,
            )
        if transient:
            return Outcome(
                "retry",
                response=details,
                reason=f"push gateway: {transient[0]}",
                invalid_tokens=invalid,
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


def _name(response: httpx.Response) -> str:
    try:
        return str(response.json().get("name", ""))
    except ValueError:
        return ""


def _unregistered(response: httpx.Response) -> bool:
    if response.status_code == 404:
        return True
    if response.status_code == 400:
        text = response.text
        return "UNREGISTERED" in text or "registration token" in text.lower()
    return False
