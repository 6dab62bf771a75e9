"""Custom actions: an HTTP call configured by an admin (`CustomAction`).

- URL: static, http(s), port 80/443; loopback/private addresses only when
  CUSTOM_ACTIONS_ALLOW_LOOPBACK (tests, local demos) — checked at save and again at call time.
- Payload: the Jinja2 template rendered with `params`, `profile`, `event`, must be JSON.
- Headers: secret values are stored, sent, never shown back (see `masked_headers`).
- Retries: three, except on 401/403/404; a 429/503 `Retry-After` is waited out (at most an
  hour). The `Idempotency-Key` header is the message key.
- Per-host cap: calls per minute counted in `HostCallWindow`, in the same transaction that marks
  the message `sending`; over the cap, the message waits for the next minute (not an attempt).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
import socket
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection
from django.utils import timezone

from journeys.models import Channel, CustomAction, HostCallWindow
from journeys.templating import check_template

from .delivery import Outcome, Outgoing, Sender
from .http import HttpFailure, HttpSession, retry_after, status_text
from .render import RenderError, render, template_context

SECRET_MASK = "••••••••"
NO_RETRY_STATUSES = {401, 403, 404}


def url_problem(url: str) -> str:
    """Why a custom action may not call `url` ('' if it may)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return "must be an http:// or https:// URL"
    allow_loopback = getattr(settings, "CUSTOM_ACTIONS_ALLOW_LOOPBACK", False)
    try:
        port = parts.port
    except ValueError:
        return "invalid port"
    if port not in (None, 80, 443) and not allow_loopback:
        return "port must be 80 or 443"
    if allow_loopback:
        return ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port or 443)}
    except socket.gaierror:
        return f"host {parts.hostname!r} does not resolve"
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if (
            ip.is_loopback
            or ip.is_private
            or ip.is_link_local
            or ip.is_reserved
            or ip.is_unspecified
        ):
            return f"host {parts.hostname!r} is a local or private address"
    return ""


def masked_headers(headers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Headers as shown to people: secret values replaced by a mask."""
    return [
        {**h, "value": SECRET_MASK if h.get("secret") else h.get("value", "")}
        for h in headers or []
    ]


def merge_headers(
    submitted: list[dict[str, Any]], stored: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Submitted headers, where a secret left as the mask keeps its stored value."""
    previous = {h.get("name", "").lower(): h.get("value", "") for h in stored or []}
    merged = []
    for header in submitted:
        value = header.get("value", "")
        if header.get("secret") and value in (SECRET_MASK, ""):
            value = previous.get(header.get("name", "").lower(), "")
        merged.append(
            {"name": header.get("name", ""), "value": value, "secret": bool(header.get("secret"))}
        )
    return merged


PARAMETER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,49}$")
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$")


def custom_action_problems(
    *,
    url: str,
    headers: Any,
    parameters: Any,
    payload_template: str,
    timeout_seconds: int | None,
    method: str,
) -> dict[str, str]:
    """What is wrong with a custom action's configuration, by field ({} when it is valid)."""
    problems: dict[str, str] = {}
    if problem := url_problem(url):
        problems["url"] = problem
    if not isinstance(headers, list) or not all(isinstance(h, dict) for h in headers):
        problems["headers"] = 'a list of {"name": ..., "value": ..., "secret": true|false}'
    else:
        for index, header in enumerate(headers):
            if not HEADER_NAME.match(str(header.get("name", ""))):
                problems["headers"] = f"header {index + 1}: invalid name {header.get('name')!r}"
            elif not isinstance(header.get("value", ""), str) or "\n" in header.get("value", ""):
                problems["headers"] = f"header {header['name']}: the value must be one line of text"
    if not isinstance(parameters, list) or not all(
        isinstance(p, str) and PARAMETER_NAME.match(p) for p in parameters
    ):
        problems["parameters"] = 'a list of names made of letters, digits and _, e.g. ["coupon"]'
    if problem := check_template(payload_template or ""):
        problems["payload_template"] = str(problem)
    elif method == "GET" and (payload_template or "").strip():
        problems["payload_template"] = (
            "a GET request sends no payload: leave it empty or use POST/PUT"
        )
    if timeout_seconds is None or not 1 <= timeout_seconds <= 30:
        problems["timeout_seconds"] = "between 1 and 30 seconds"
    return problems


class ActionSender(Sender):
    channel = Channel.ACTION
    retry_delays = (10, 60, 300)  # three retries
    checks_before_send = True

    def open(self) -> None:
        self.actions: dict[int, CustomAction] = {}
        self.session = HttpSession()

    def close(self) -> None:
        self.session.close()

    def _action(self, item: Outgoing) -> CustomAction | None:
        action_id = item.body.get("action_id")
        if action_id not in self.actions:
            self.actions[action_id] = CustomAction.objects.filter(pk=action_id).first()
        return self.actions[action_id]

    def before_send(self, item: Outgoing) -> Outcome | None:
        """Count this call against its host's cap for the current minute, or defer."""
        action = self._action(item)
        if action is None or not action.enabled:
            return Outcome("failed", reason="custom action deleted or disabled")
        host = (urlsplit(action.url).hostname or "").lower()
        window = timezone.now().replace(second=0, microsecond=0)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {HostCallWindow._meta.db_table} AS w (host, window_start, calls) VALUES (%s, %s, 1)"
                " ON CONFLICT (host, window_start) DO UPDATE SET calls = w.calls + 1 WHERE w.calls < %s"
                " RETURNING calls",
                [host, window, action.max_calls_per_minute],
            )
            if cursor.fetchone() is None:
                return Outcome(
                    "defer",
                    reason=f"{host}: over {action.max_calls_per_minute} calls per minute",
                    retry_at=window + dt.timedelta(minutes=1),
                )
        return None

    def send(self, item: Outgoing) -> Outcome:
        action = self._action(item)
        if action is None:
            return Outcome("failed", reason="custom action deleted")
        problem = url_problem(action.url)
        if problem:
            return Outcome("failed", reason=f"url {problem}")
        try:
            content = _payload(action, item)
        except RenderError as exc:
            return Outcome("failed", reason=f"template error in {exc}")
        except ValueError as exc:
            return Outcome("failed", reason=f"payload is not valid JSON: {exc}")
        headers = {h["name"]: h.get("value", "") for h in action.headers or [] if h.get("name")}
        headers["Idempotency-Key"] = item.key
        if content is not None:
            headers.setdefault("Content-Type", "application/json")
        try:
            answer = self.session.request(
                action.method,
                action.url,
                body=content,
                headers=headers,
                timeout=action.timeout_seconds,
            )
        except HttpFailure as exc:
            return Outcome("retry", reason=f"{action.name}: {exc}"[:500])
        response = f"{answer.status} {answer.text[:1000]}"
        if 200 <= answer.status < 300:
            return Outcome("sent", response=response)
        if answer.status in NO_RETRY_STATUSES:
            return Outcome(
                "failed", response=response, reason=f"{action.name}: HTTP {answer.status}"
            )
        return Outcome(
            "retry",
            response=response,
            reason=f"{action.name}: HTTP {status_text(answer)}",
            retry_at=retry_after(answer),
        )


def _payload(action: CustomAction, item: Outgoing) -> bytes | None:
    """Render params, then the payload template; GET sends no body."""
    if action.method == "GET" or not action.payload_template.strip():
        return None
    context = template_context(item)
    params = {
        name: render(value, context, field=f"params.{name}") if isinstance(value, str) else value
        for name, value in (item.body.get("params") or {}).items()
    }
    for name in action.parameters or []:
        params.setdefault(name, "")
    text = render(action.payload_template, {**context, "params": params}, field="payload_template")
    return json.dumps(json.loads(text)).encode()
