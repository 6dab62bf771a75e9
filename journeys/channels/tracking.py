"""Signed tracking URLs under PUBLIC_URL (`/t/...`, public by design) and HTML link rewriting.

Every URL carries a token signed with SECRET_KEY (django.core.signing, one salt per kind): a
forged or altered token does not verify, and the view answers 404 without recording anything.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALTS = {
    "open": "sentier.channels.open",
    "click": "sentier.channels.click",
    "push": "sentier.channels.push-open",
    "unsubscribe": "sentier.channels.unsubscribe",
}
_HREF = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?://[^"']+)\2""", re.IGNORECASE)


def sign(kind: str, value: Any) -> str:
    return signing.Signer(salt=SALTS[kind]).sign_object(value, compress=True)


def unsign(kind: str, token: str) -> Any | None:
    """The signed value, or None if the token is forged, altered or of another kind."""
    try:
        return signing.Signer(salt=SALTS[kind]).unsign_object(token)
    except signing.BadSignature:
        return None


@lru_cache(maxsize=8)
def _route(name: str) -> tuple[str, str]:
    """The path around the token of a route (reversed once: this runs for every message)."""
    before, _, after = reverse(name, args=["TOKEN"]).partition("TOKEN")
    return before, after


def _url(name: str, token: str) -> str:
    before, after = _route(name)
    return f"{settings.PUBLIC_URL}{before}{token}{after}"


def open_pixel_url(message_id: int) -> str:
    return _url("journeys:track_open", sign("open", message_id))


def click_url(message_id: int, url: str) -> str:
    return _url("journeys:track_click", sign("click", {"m": message_id, "u": url}))


def push_open_url(message_id: int) -> str:
    return _url("journeys:track_push_open", sign("push", message_id))


def unsubscribe_url(message_id: int) -> str:
    return _url("journeys:unsubscribe", sign("unsubscribe", message_id))


def rewrite_links(html_body: str, message_id: int, *, keep: tuple[str, ...] = ()) -> str:
    """Point every http(s) link of an HTML body at its tracked redirect (except `keep`)."""

    def replace(match: re.Match[str]) -> str:
        target = html.unescape(match.group(3))
        if target in keep:
            return match.group(0)
        tracked = html.escape(click_url(message_id, target), quote=True)
        return f"{match.group(1)}{match.group(2)}{tracked}{match.group(2)}"

    return _HREF.sub(replace, html_body)
