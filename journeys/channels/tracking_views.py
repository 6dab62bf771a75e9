"""Public endpoints under /t/ (no login by design; every URL is signed): the open pixel, tracked
links, the push open callback, and the unsubscribe page (RFC 8058 one-click included)."""

from __future__ import annotations

import base64

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from journeys.models import Message, ReactionKind

from . import tracking
from .consent import channel_label, unsubscribe_record
from .reactions import reaction_record

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _message_id(kind: str, token: str) -> int:
    value = tracking.unsign(kind, token)
    if not isinstance(value, int) or not Message.objects.filter(pk=value).exists():
        raise Http404
    return value


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store, max-age=0"
    return response


@require_GET
def track_open(request: HttpRequest, token: str) -> HttpResponse:
    reaction_record(message_id=_message_id("open", token), kind=ReactionKind.OPENED)
    return _no_store(HttpResponse(PIXEL, content_type="image/gif"))


@require_GET
def track_click(request: HttpRequest, token: str) -> HttpResponse:
    value = tracking.unsign("click", token)
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("m"), int)
        or not isinstance(value.get("u"), str)
    ):
        raise Http404
    url = value["u"]
    if (
        not url.startswith(("http://", "https://"))
        or not Message.objects.filter(pk=value["m"]).exists()
    ):
        raise Http404
    reaction_record(message_id=value["m"], kind=ReactionKind.CLICKED, url=url)
    return _no_store(HttpResponseRedirect(url))


@csrf_exempt  # called by the mobile app; the signed URL is the credential
@require_POST
def track_push_open(request: HttpRequest, token: str) -> HttpResponse:
    reaction_record(message_id=_message_id("push", token), kind=ReactionKind.OPENED)
    return HttpResponse(status=204)


@csrf_exempt  # RFC 8058 one-click POSTs come from mailbox providers, without a CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks for confirmation (link scanners must not unsubscribe anyone); POST does it."""
    message_id = _message_id("unsubscribe", token)
    message = Message.objects.select_related("profile").get(pk=message_id)
    done = False
    if request.method == "POST":
        unsubscribe_record(message_id=message_id)
        done = True
    return _no_store(
        render(
            request,
            "journeys/channels/unsubscribe.html",
            {
                "done": done,
                "what": channel_label(message.channel),
                "who": _masked_address(message),
                "token": token,
            },
        )
    )


def _masked_address(message: Message) -> str:
    """Who is unsubscribing, recognisable to its owner only: `a••••@example.com`, `•••• 0100`."""
    if message.channel == "email":
        address = (
            message.profile.identities.filter(namespace="email")
            .values_list("value", flat=True)
            .first()
        )
        if address and "@" in address:
            local, _, domain = address.partition("@")
            return f"{local[:1]}••••@{domain}"
    if message.channel == "sms" and message.profile.phone:
        return f"•••• {message.profile.phone[-4:]}"
    return ""
