"""SMS through an HTTP provider at `SMS_ENDPOINT`, Twilio-style: a form post of To, From, Body
(basic auth from the SMS channel settings' `user:password` credential). A 429/503 with
`Retry-After` is waited out. Without `SMS_ENDPOINT`, texts wait (pending) for one, or with
CHANNELS_CONSOLE_FALLBACK (the local run) are printed on the worker's console (`console.py`)."""

from __future__ import annotations

import base64

from django.conf import settings

from journeys.models import Channel, ChannelSettings

from . import console
from .delivery import Outcome, Outgoing, Sender
from .http import HttpAnswer, HttpFailure, HttpSession, is_transient, retry_after, status_text
from .render import RenderError, render, template_context

MAX_SMS_CHARS = 1600


class SmsSender(Sender):
    channel = Channel.SMS

    def open(self) -> None:
        configured = ChannelSettings.objects.filter(channel=Channel.SMS).first()
        self.sender = (configured.sender_address if configured else "") or "Sentier"
        credential = configured.credential if configured else ""
        self.headers = {}
        if ":" in credential:
            self.headers["Authorization"] = (
                "Basic " + base64.b64encode(credential.encode()).decode()
            )
        self.session = HttpSession()

    def close(self) -> None:
        self.session.close()

    def send(self, item: Outgoing) -> Outcome:
        if not settings.SMS_ENDPOINT and not console.enabled():
            return Outcome("retry", reason="SMS_ENDPOINT is not configured")
        try:
            text = render(item.body.get("body", ""), template_context(item), field="body").strip()
        except RenderError as exc:
            return Outcome("failed", reason=f"template error in {exc}")
        if not text:
            return Outcome("failed", reason="the text rendered empty")
        form = {"To": item.profile["phone"], "From": self.sender, "Body": text[:MAX_SMS_CHARS]}
        if not settings.SMS_ENDPOINT:  # the local run: shown on the worker's console
            lines = [("To", form["To"]), ("From", form["From"]), ("Text", form["Body"])]
            return console.print_message(item, lines, missing="SMS_ENDPOINT")
        try:
            answer = self.session.post_form(
                settings.SMS_ENDPOINT, form, headers={**self.headers, "Idempotency-Key": item.key}
            )
        except HttpFailure as exc:
            return Outcome("retry", reason=f"SMS provider: {exc}"[:500])
        response = f"{answer.status} {answer.text[:500]}"
        if 200 <= answer.status < 300:
            return Outcome("sent", provider_id=_sid(answer), response=response)
        if is_transient(answer.status):
            return Outcome(
                "retry",
                response=response,
                reason=f"SMS provider {status_text(answer)}",
                retry_at=retry_after(answer),
            )
        return Outcome(
            "failed", response=response, reason=f"SMS provider refused ({answer.status})"
        )


def _sid(answer: HttpAnswer) -> str:
    body = answer.json()
    return str(body.get("sid", "")) if isinstance(body, dict) else ""
