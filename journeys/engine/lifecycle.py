"""Engine hooks called by the lifecycle services (journeys/services/lifecycle.py).

Each hook runs INSIDE the service's transaction, right after the version's status changed, so
what the engine records here commits (or rolls back) with the status change. Hand work to Celery
with `transaction.on_commit(...)`, never directly. The catalogue and services stay free of
engine logic: these are the only places they call into it. (No-ops until the engine lands.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from journeys.models import JourneyVersion


def version_published(version: JourneyVersion, *, replaced: JourneyVersion | None) -> None:
    """`version` just became live. `replaced` is the previously live version, now closed (its
    runs finish there; new entries go to `version`). Start entries here: schedule the read
    audience, subscribe the entry event, etc."""


def version_closed(version: JourneyVersion) -> None:
    """`version` no longer accepts entries (status closed); its active runs carry on and
    finish. When none is left the engine marks it `finished`."""


def version_stopped(version: JourneyVersion) -> None:
    """`version` was stopped: every active run must exit now and its timers be cancelled."""
