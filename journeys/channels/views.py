"""The message log (login required): every message with its status and reactions, filtered,
newest first, and one message's detail with a preview rendered for its profile."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from audiences.models import Identity
from journeys.models import Channel, Message, MessageStatus

from .delivery import load_items
from .render import RenderError
from .selectors import MessageFilters, message_list, message_summary

PAGE_SIZE = 50


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


def _filters(request: HttpRequest) -> tuple[MessageFilters, dict[str, str]]:
    """Filters from the query string; `q` is a profile id or an email address."""
    raw = {
        name: request.GET.get(name, "").strip()
        for name in ("q", "channel", "status", "mode", "version", "run")
    }
    profile_id = _int(raw["q"])
    if raw["q"] and profile_id is None:
        profile_id = (
            Identity.objects.filter(namespace="email", value__iexact=raw["q"])
            .values_list("profile_id", flat=True)
            .first()
            or 0
        )
    return MessageFilters(
        profile_id=profile_id,
        channel=raw["channel"] if raw["channel"] in Channel.values else "",
        status=raw["status"] if raw["status"] in MessageStatus.values else "",
        is_test={"live": False, "test": True}.get(raw["mode"]),
        journey_version_id=_int(raw["version"]),
        run_id=_int(raw["run"]),
    ), raw


@require_GET
def message_log(request: HttpRequest) -> HttpResponse:
    filters, raw = _filters(request)
    # no COUNT(*) of the outbox: fetch one row more than a page to know if there is a next one
    page = max(1, _int(request.GET.get("page")) or 1)
    found = list(message_list(filters=filters)[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    rows = [(message, message_summary(message)) for message in found[:PAGE_SIZE]]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "rows": rows,
        "page": page,
        "has_next": len(found) > PAGE_SIZE,
        "raw": raw,
        "query": query.urlencode(),
        "channels": Channel.choices,
        "statuses": MessageStatus.choices,
    }
    template = (
        "journeys/channels/_message_rows.html"
        if request.htmx
        else "journeys/channels/message_log.html"
    )
    return render(request, template, context)


@require_GET
def message_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    message = get_object_or_404(Message.objects.select_related("content", "profile"), pk=message_id)
    preview, problem = _preview(message)
    summary = message_summary(message)
    title = (
        preview.get("subject") or preview.get("title") or summary or message.get_channel_display()
    )
    return render(
        request,
        "journeys/channels/message_detail.html",
        {
            "message": message,
            "summary": summary,
            "title": title,
            "preview": preview,
            "problem": problem,
            "reactions": message.reactions.order_by("kind"),
        },
    )


def _preview(message: Message) -> tuple[dict[str, str], str]:
    """The content rendered for the message's profile, as it was (or will be) sent."""
    [item] = load_items([message.pk])
    try:
        if message.channel == Channel.EMAIL:
            from .email import render_email

            subject, text, html, _ = render_email(item) if item.profile else ("", "", "", "")
            return {"subject": subject, "text": text, "html": html}, ""
        if message.channel in (Channel.PUSH, Channel.SMS):
            from .render import render as render_one
            from .render import template_context

            context = template_context(item)
            return {
                name: render_one(value, context, field=name) for name, value in item.body.items()
            }, ""
    except RenderError as exc:
        return {}, str(exc)
    return {}, ""
