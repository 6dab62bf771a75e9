"""How profile changes reach other apps (journeys: audience-qualification entries) without
`audiences` importing them.

    from audiences.profile_changes import subscribe
    subscribe(my_callback)   # in the subscribing app's AppConfig.ready()

After a write transaction commits, every callback receives the ids of the profiles it created or
changed (`list[int]`, at most one batch: 1,000 ids). Every write service of
`audiences.services.profiles` publishes: upsert, batch, PATCH and CSV import chunks; an upsert
that changes nothing publishes nothing; deletions are not published. Callbacks must be quick
(hand the work to Celery); an exception in one is logged and does not affect the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

logger = logging.getLogger(__name__)

Subscriber = Callable[[list[int]], None]
_subscribers: list[Subscriber] = []


def subscribe(callback: Subscriber) -> None:
    if callback not in _subscribers:
        _subscribers.append(callback)


def unsubscribe(callback: Subscriber) -> None:
    if callback in _subscribers:
        _subscribers.remove(callback)


def publish(profile_ids: Sequence[int]) -> None:
    """Call every subscriber (write services call this from `transaction.on_commit`)."""
    if not profile_ids:
        return
    ids = list(profile_ids)
    for callback in list(_subscribers):
        try:
            callback(list(ids))
        except Exception:  # one subscriber's failure must not lose the others' delivery
            logger.exception("profile change subscriber %r failed", callback)
