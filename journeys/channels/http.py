"""One pooled HTTP client per worker process, shared by the lanes (httpx.Client is thread-safe)."""

from __future__ import annotations

import threading

import httpx

_client: httpx.Client | None = None
_lock = threading.Lock()


def http_client() -> httpx.Client:
    global _client
    with _lock:
        if _client is None:
            _client = httpx.Client(
                timeout=httpx.Timeout(10.0, connect=5.0),
                limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
                follow_redirects=False,
                headers={"User-Agent": "Sentier/1.0"},
            )
        return _client


def is_transient(status: int) -> bool:
    """Worth retrying: throttled or a server-side failure."""
    return status == 429 or status == 408 or status >= 500
