"""The engine listens to the rest of the product; each callback only queues a Celery task with
ids (fast, after the producer's commit), the work happens in the worker.

- accepted events (events.subscribers) → `events_received`
- first opens/clicks of messages (journeys.channels.reactions) → `reactions_received`
- profile changes (audiences.profile_changes) → `profiles_changed` (audience qualification)

It also registers the profile page's "Journeys" panel (audiences.panels): runs and steps.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

logger = logging.getLogger(__name__)


def connect() -> None:
    """Register the callbacks (JourneysConfig.ready)."""
    from events import subscribers

    subscribers.subscribe(on_accepted_events)
    try:
        from journeys.channels import reactions
    except ImportError:  # channels not there yet
        reactions = None
    if reactions is not None:
        reactions.subscribe(on_reaction)
    try:
        from audiences import profile_changes
    except ImportError:
        profile_changes = None
    if profile_changes is not None:
        profile_changes.subscribe(on_profiles_changed)
    try:
        from audiences import panels
    except ImportError:
        panels = None
    if panels is not None:
        from journeys.engine.history import render_profile_panel

        panels.register("Journeys", render_profile_panel, order=10)


def on_accepted_events(events: Sequence[Any]) -> None:
    from journeys.engine.tasks import events_received

    events_received.delay(
        [
            [e.event_id, e.configuration_name, e.event_type, e.profile_id, bool(e.is_test)]
            for e in events
        ]
    )


def on_reaction(reactions: Sequence[Any]) -> None:
    """First opens/clicks (MessageReaction: run_id, node_id, channel, kind…) of messages."""
    from journeys.engine.tasks import reactions_received

    items = [
        [int(r.run_id), str(r.node_id), str(r.channel), str(r.kind)] for r in reactions if r.run_id
    ]
    if items:
        reactions_received.delay(items)


def on_profiles_changed(profile_ids: Sequence[int]) -> None:
    if not profile_ids:
        return
    from journeys.engine.tasks import profiles_changed

    profiles_changed.delay([int(i) for i in profile_ids])


def load_events(rows: list[list]) -> list[Any]:
    """IncomingEvents from the task's ids, payloads read from the event log in one query."""
    from events.models import Event
    from journeys.engine.races import IncomingEvent

    payloads = dict(
        Event.objects.filter(id__in=[row[0] for row in rows]).values_list("id", "payload")
    )
    return [
        IncomingEvent(
            event_id=event_id,
            name=name,
            type=kind,
            profile_id=profile_id,
            payload=payloads.get(event_id) or {},
            is_test=is_test,
        )
        for event_id, name, kind, profile_id, is_test in rows
    ]
