"""Celery tasks of the channels: thin wrappers over `delivery`.

- `deliver(channel)`: deliver batches until nothing is due (or a time budget is spent, then it
  re-queues itself so other work gets the worker too).
- `tick()` (periodic, see journeys/periodic.py): put back sends lost with a dead worker, and
  start delivery wherever messages are due (retries whose back-off ended, expired claims).
"""

from __future__ import annotations

import math
import time

from celery import shared_task

from . import delivery

TIME_BUDGET_SECONDS = 20
MAX_PARALLEL_TASKS = 4  # per kick: enough to keep every worker process of a small host busy


@shared_task(name="channels.deliver", ignore_result=True, acks_late=True)
def deliver(channel: str) -> int:
    started = time.monotonic()
    total = 0
    with delivery.Lanes(channel) as lanes:
        while True:
            claimed = delivery.deliver_batch(channel, lanes=lanes)
            total += claimed
            if not claimed:
                return total
            if time.monotonic() - started > TIME_BUDGET_SECONDS:
                deliver.apply_async(args=[channel], expires=300)
                return total


@shared_task(name="channels.tick", ignore_result=True)
def tick() -> None:
    delivery.release_lost_sends()
    for channel, count in delivery.due_counts().items():
        deliver_start(channel, count=count)


def deliver_start(channel: str, *, count: int = 1) -> None:
    """Queue enough `deliver` tasks for `count` due messages (at most MAX_PARALLEL_TASKS)."""
    tasks = min(MAX_PARALLEL_TASKS, max(1, math.ceil(count / delivery.BATCH_SIZE[channel])))
    for _ in range(tasks):
        deliver.apply_async(args=[channel], expires=300)
