"""Storage settings of the engine's tables that Django models cannot declare.

Runs and steps are updated in place on every move (node, state, revision; a step's `left_at`).
With room left on each page (fillfactor) PostgreSQL makes those HOT updates — no new index
entries — which is most of the cost of a set-based move. Applied after `migrate`, idempotent.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

FILLFACTORS = {"journeys_run": 70, "journeys_step": 80}


def tune_tables(**_: Any) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table, fillfactor in FILLFACTORS.items():
            cursor.execute("SELECT 1 FROM pg_class WHERE relname = %s", [table])
            if cursor.fetchone():
                cursor.execute(f'ALTER TABLE "{table}" SET (fillfactor = {int(fillfactor)})')
