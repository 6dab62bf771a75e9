"""Email over SMTP (`EMAIL_URL`): multipart text + HTML, tracked, with one-click unsubscribe.

Each lane keeps one SMTP connection open across its messages. The Message-ID is derived from
the message id and key, so a re-send after a lost worker carries the same Message-ID.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import re
import smtplib
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from journeys.models import Channel, ChannelSettings

from . import tracking
from .delivery import Outcome, Outgoing, Sender
from .render import RenderError, render, template_context

_TAGS = re.compile(r"<[^>]+>")
_BLOCKS = re.compile(r"</(p|div|h[1-6]|li|tr)>|<br\s*/?>", re.IGNORECASE)


def email_sender_address() -> str:
    """`Name <address>` from the email channel settings, else DEFAULT_FROM_EMAIL."""
    configured = ChannelSettings.objects.filter(channel=Channel.EMAIL).first()
    if configured and configured.sender_address:
        return formataddr((configured.sender_name, configured.sender_address))
    return settings.DEFAULT_FROM_EMAIL


def message_id_header(item: Outgoing, from_address: str) -> str:
    domain = parseaddr(from_address)[1].rpartition("@")[2] or "sentier.local"
    digest = hashlib.sha256(item.key.encode()).hexdigest()[:16]
    return f"<sentier.{item.id}.{digest}@{domain}>"


def build_email(item: Outgoing, *, from_address: str, reply_to: str = "") -> EmailMultiAlternatives:
    """Render subject/text/HTML for the profile, track links and opens, add unsubscribe."""
    unsubscribe = tracking.unsubscribe_url(item.id)
    context = template_context(item, unsubscribe_url=unsubscribe)
    subject = " ".join(render(item.body.get("subject", ""), context, field="subject").split())
    text = render(item.body.get("text", ""), context, field="text")
    html = render(item.body.get("html", ""), context, field="html", html=True)
    if html:
        html = tracking.rewrite_links(html, item.id, keep=(unsubscribe,))
        if unsubscribe not in html:
            html += (
                f'<p style="font-size:12px;color:#667">Don\'t want these emails? '
                f'<a href="{unsubscribe}">Unsubscribe</a>.</p>'
            )
        pixel = f'<img src="{tracking.open_pixel_url(item.id)}" width="1" height="1" alt="" style="border:0">'
        html = html.replace("</body>", pixel + "</body>", 1) if "</body>" in html else html + pixel
    if not text:
        text = html_to_text(html)
    if unsubscribe not in text:
        text = f"{text.rstrip()}\n\n--\nUnsubscribe: {unsubscribe}\n"
    profile = item.profile["context"] if item.profile else {}
    name = f"{profile.get('first_name', '')} {profile.get('last_name', '')}".strip()
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=from_address,
        to=[formataddr((name, item.profile["email"]))],
        reply_to=[reply_to] if reply_to else None,
        headers={
            "Message-ID": message_id_header(item, from_address),
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "X-Sentier-Message": str(item.id),
        },
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message


def html_to_text(html: str) -> str:
    text = _BLOCKS.sub("\n", html)
    text = html_lib.unescape(_TAGS.sub("", text))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


class EmailSender(Sender):
    channel = Channel.EMAIL

    def open(self) -> None:
        configured = ChannelSettings.objects.filter(channel=Channel.EMAIL).first()
        self.reply_to = configured.reply_to if configured else ""
        self.from_address = email_sender_address()
        self.backend = get_connection(fail_silently=False)
        self.connected = False

    def close(self) -> None:
        if self.connected:
            try:
                self.backend.close()
            except (OSError, smtplib.SMTPException):
                pass
            self.connected = False

    def send(self, item: Outgoing) -> Outcome:
        try:
            message = build_email(item, from_address=self.from_address, reply_to=self.reply_to)
        except RenderError as exc:
            return Outcome("failed", reason=f"template error in {exc}")
        message_id = message.extra_headers["Message-ID"]
        try:
            if not self.connected:
                self.backend.open()
                self.connected = True
            self.backend.send_messages([message])
        except smtplib.SMTPRecipientsRefused as exc:
            code, answer = next(iter(exc.recipients.values()))
            return self._answer(code, answer, message_id)
        except smtplib.SMTPResponseException as exc:
            self.close()
            return self._answer(exc.smtp_code, exc.smtp_error, message_id)
        except (OSError, smtplib.SMTPException) as exc:
            self.close()  # reconnect for the next message
            return Outcome("retry", provider_id=message_id, reason=f"SMTP connection: {exc}"[:500])
        return Outcome("sent", provider_id=message_id, response="250 accepted")

    @staticmethod
    def _answer(code: int, answer: bytes | str, message_id: str) -> Outcome:
        text = answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)
        response = f"{code} {text}"
        if 400 <= code < 500:
            return Outcome(
                "retry", provider_id=message_id, response=response, reason=f"SMTP {code}: temporary"
            )
        return Outcome(
            "failed", provider_id=message_id, response=response, reason=f"SMTP {code}: rejected"
        )
