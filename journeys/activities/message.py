"""Message: one message per configured channel (email, push, SMS), personalised in the sandbox.

{"email": {"subject", "html", "text"}, "push": {"title", "body"}, "sms": {"body"}}
"""

import re

from .base import Activity, Names, SettingsCheck, svg

# `{{ profile.first_name | default('there') }}` reads "{first_name}" on a node card.
_EXPRESSION = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)[^}]*\}\}")
_TAG = re.compile(r"\{[%#].*?[%#]\}")

CHANNEL_LABELS = {"email": "Email", "push": "Push", "sms": "SMS"}


class Message(Activity):
    type = "message"
    label = "Message"
    category = "actions"
    description = "Send an email, a push notification and/or an SMS."
    icon = svg(
        '<rect x="3" y="5" width="18" height="14" rx="2"/><path d="m3.5 6.5 8.5 6.5 8.5-6.5"/>'
    )
    colour = "#6366f1"

    def default_config(self, *, previous=None):
        return {"email": {"subject": "", "html": "", "text": ""}}

    def check_settings(self, check: SettingsCheck) -> None:
        check.known_keys(*CHANNEL_LABELS)
        if not any(key in check.config for key in CHANNEL_LABELS):
            check.missing("email", "add at least one channel: email, push or SMS")
            return
        if "email" in check.config and (email := check.child("email")) is not None:
            email.known_keys("subject", "html", "text")
            email.template("subject", required="the email needs a subject")
            html, text = email.template("html"), email.template("text")
            if not html and not text:
                email.missing("html", "the email needs a body (HTML or text)")
        if "push" in check.config and (push := check.child("push")) is not None:
            push.known_keys("title", "body")
            push.template("title")
            push.template("body", required="the push notification needs a body")
        if "sms" in check.config and (sms := check.child("sms")) is not None:
            sms.known_keys("body")
            sms.template("body", required="the SMS needs a body")

    def summary(self, config, names: Names) -> str:
        channels = [label for key, label in CHANNEL_LABELS.items() if key in config]
        subject = (config.get("email") or {}).get("subject") or (config.get("push") or {}).get(
            "title"
        )
        text = " + ".join(channels)
        if subject and text:
            return f"{text} · {readable(subject)}"
        return text


def readable(template: str) -> str:
    """A template as a marketer reads it on a card: expressions become {name}, tags vanish."""
    text = _EXPRESSION.sub(lambda m: "{" + m.group(1).split(".")[-1] + "}", template)
    return " ".join(_TAG.sub("", text).split())

    @staticmethod
    def channels(config) -> list[str]:
        return [key for key in CHANNEL_LABELS if key in config]
