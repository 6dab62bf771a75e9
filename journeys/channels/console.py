"""The console fallback of the local run (`make run`): pushes and SMS without a provider.

With no `FCM_ENDPOINT` / `SMS_ENDPOINT` and `CHANNELS_CONSOLE_FALLBACK` on (local settings
only; off in test and production, where such messages wait, pending, for a provider), a push or
an SMS is "sent" by printing a readable summary to the worker's stdout — as Django's console
email backend does for emails — and recorded sent with provider response "console".
"""

from __future__ import annotations

import sys
import threading

from django.conf import settings

from .delivery import Outcome, Outgoing

_lock = threading.Lock()  # lanes are threads: one summary at a time, never interleaved


def enabled() -> bool:
    return bool(getattr(settings, "CHANNELS_CONSOLE_FALLBACK", False))


def print_message(item: Outgoing, lines: list[tuple[str, str]], *, missing: str) -> Outcome:
    """Print `lines` (label, value) under a header naming the message, and call it sent."""
    width = max(len(label) for label, _ in lines)
    header = f"--- {item.channel} #{item.id} (console: {missing} is not set) ".ljust(72, "-")
    body = "\n".join(f"{label.rjust(width)}: {value}" for label, value in lines)
    with _lock:
        sys.stdout.write(f"{header}\n{body}\n{'-' * 72}\n")
        sys.stdout.flush()
    return Outcome("sent", provider_id=f"console-{item.id}", response="console")
