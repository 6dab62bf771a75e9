"""Real peers on loopback for tests and benchmarks: an SMTP server (aiosmtpd) that keeps what it
receives, and an HTTP listener that records requests and answers as told.

    sink = SmtpSink().start();  ...  sink.wait_for(3);  sink.messages[0].html  ;  sink.stop()
    listener = HttpListener().start();  listener.respond(lambda req: (200, {"name": "x"}))
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

logging.getLogger("mail.log").setLevel(logging.WARNING)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


# --- SMTP -------------------------------------------------------------------------------------


@dataclass
class ReceivedEmail:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    def header(self, name: str) -> str:
        value = self.message[name]
        return "" if value is None else str(value)

    def part(self, content_type: str) -> str:
        found = self.message.get_body(preferencelist=(content_type.split("/")[1],))
        return (
            "" if found is None or found.get_content_type() != content_type else found.get_content()
        )

    @property
    def text(self) -> str:
        return self.part("text/plain")

    @property
    def html(self) -> str:
        return self.part("text/html")


class SmtpSink:
    """aiosmtpd on 127.0.0.1; `messages` in arrival order. `reject` = (code, text) refuses DATA."""

    def __init__(self, *, parse: bool = True) -> None:
        self.parse = parse
        self.messages: list[ReceivedEmail] = []
        self.count = 0
        self.reject: tuple[int, str] | None = None
        self.delay = 0.0  # seconds spent on each message before answering (a slow server)
        self._lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        if self.reject:
            return f"{self.reject[0]} {self.reject[1]}"
        if self.delay:
            await asyncio.sleep(self.delay)
        raw = envelope.original_content or envelope.content
        with self._lock:
            self.count += 1
            if self.parse:
                parsed = email.message_from_bytes(raw, policy=email.policy.default)
                self.messages.append(
                    ReceivedEmail(envelope.mail_from, list(envelope.rcpt_tos), raw, parsed)
                )
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 20) -> list[ReceivedEmail]:
        _wait(lambda: self.count >= count, timeout, f"{count} emails (got {self.count})")
        return self.messages


# --- HTTP -------------------------------------------------------------------------------------


@dataclass
class ReceivedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


Responder = Callable[[ReceivedRequest], tuple[int, Any] | tuple[int, Any, dict[str, str]]]


@dataclass
class HttpListener:
    """A keep-alive HTTP/1.1 server on 127.0.0.1 in its own thread (asyncio).

    Every request is recorded in `requests` (unless `record=False`); the answer comes from
    `respond(fn)`: fn(request) → (status, body) or (status, body, {header: value}) where a
    dict/list body is sent as JSON.
    """

    record: bool = True
    requests: list[ReceivedRequest] = field(default_factory=list)
    count: int = 0
    port: int = 0

    def __post_init__(self) -> None:
        self._responder: Responder = lambda request: (200, {"ok": True})
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def respond(self, responder: Responder) -> None:
        self._responder = responder

    def start(self) -> HttpListener:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def wait_for(self, count: int, timeout: float = 20) -> list[ReceivedRequest]:
        _wait(lambda: self.count >= count, timeout, f"{count} HTTP requests (got {self.count})")
        return self.requests

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=512)
        )
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                parts = urlsplit(target)
                request = ReceivedRequest(method, parts.path, parse_qs(parts.query), headers, body)
                with self._lock:
                    self.count += 1
                    if self.record:
                        self.requests.append(request)
                extra: dict[str, str] = {}
                try:
                    status, payload, *more = self._responder(request)
                    extra = more[0] if more else {}
                except Exception as exc:  # a broken responder answers 500, visibly
                    status, payload = 500, {"error": repr(exc)}
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                head_lines = "".join(f"{name}: {value}\r\n" for name, value in extra.items())
                writer.write(
                    f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n{head_lines}\r\n".encode()
                    + data
                )
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
