"""How accepted events reach other apps (journeys) without `events` importing them.

    from events.subscribers import subscribe
    subscribe(my_callback)   # in the subscribing app's AppConfig.ready()

After the ingestion transaction commits, every callback receives the list of accepted events of
that request as `AcceptedEvent`s (one per matched configuration). Callbacks must be quick (hand
the work to Celery); an exception in one is logged and does not affect the others or the 202.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AcceptedEvent:
    event_id: int  # primary key of the stored event row
    configuration_id: int
    configuration_name: str
    event_type: str  # "unitary" | "business"
    profile_id: int | None  # None for business events
    occurred_at: dt.datetime
    payload: dict[str, Any] = field(default_factory=dict)
    is_test: bool = False  # the profile is a test profile


Subscriber = Callable[[Sequence[AcceptedEvent]], None]
_subscribers: list[Subscriber] = []


def subscribe(callback: Subscriber) -> None:
    if callback not in _subscribers:
        _subscribers.append(callback)


def publish(events: Sequence[AcceptedEvent]) -> None:
    """Call every subscriber (ingestion calls this from `transaction.on_commit`)."""
    if not events:
        return
    for callback in list(_subscribers):
        try:
            callback(events)
        except Exception:  # one subscriber's failure must not lose the others' delivery
            logger.exception("event subscriber %r failed", callback)
