"""SMS through an HTTP provider at `SMS_ENDPOINT`, Twilio-style: a form post of To, From, Body
(basic auth from the SMS channel settings' `user:password` credential)."""

from __future__ import annotations

import httpx
from django.conf import settings

from journeys.models import Channel, ChannelSettings

from .delivery import Outcome, Outgoing, Sender
from .http import http_client, is_transient
from .render import RenderError, render, template_context

MAX_SMS_CHARS = 1600


class SmsSender(Sender):
    channel = Channel.SMS

    def open(self) -> None:
        configured = ChannelSettings.objects.filter(channel=Channel.SMS).first()
        self.sender = (configured.sender_address if configured else "") or "Sentier"
        credential = configured.credential if configured else ""
        self.auth = tuple(credential.split(":", 1)) if ":" in credential else None

    def send(self, item: Outgoing) -> Outcome:
        if not settings.SMS_ENDPOINT:
            return Outcome("retry", reason="SMS_ENDPOINT is not configured")
        try:
            text = render(item.body.get("body", ""), template_context(item), field="body").strip()
        except RenderError as exc:
            return Outcome("failed", reason=f"template error in {exc}")
        if not text:
            return Outcome("failed", reason="the text rendered empty")
        form = {"To": item.profile["phone"], "From": self.sender, "Body": text[:MAX_SMS_CHARS]}
        try:
            response = http_client().post(
                settings.SMS_ENDPOINT,
                data=form,
                auth=self.auth,
                headers={"Idempotency-Key": item.key},
            )
        except httpx.HTTPError as exc:
            return Outcome("retry", reason=f"SMS provider: {type(exc).__name__}")
        answer = f"{response.status_code} {response.text[:500]}"
        if 200 <= response.status_code < 300:
            return Outcome("sent", provider_id=_sid(response), response=answer)
        if is_transient(response.status_code):
            return Outcome("retry", response=answer, reason=f"SMS provider {response.status_code}")
        return Outcome(
            "failed", response=answer, reason=f"SMS provider refused ({response.status_code})"
        )


def _sid(response: httpx.Response) -> str:
    try:
        return str(response.json().get("sid", ""))
    except ValueError:
        return ""
