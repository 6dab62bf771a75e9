"""Seed-audience count on 1,000,000 profiles (city in 3 values, birth year > 1980).

`audience_count_ms`: the median of `audience_count`, as the list and the builder compute it;
`audience_preview_ms`: count + sample, what the builder's live preview does per change."""

from __future__ import annotations

import statistics
import time

from audiences.models import Audience
from audiences.selectors.audiences import audience_count, rule_preview
from benchmarks.data import ensure_profiles

PROFILES = 1_000_000
RUNS = 15
SEED_NAME = "Atlanta, San Francisco & Seattle, born after 1980"
SEED_RULE = {
    "all": [
        {"field": "city", "op": "in", "value": ["Atlanta", "San Francisco", "Seattle"]},
        {"field": "birth_year", "op": "gt", "value": 1980},
    ]
}


def _median_ms(work, runs: int = RUNS) -> float:
    work()  # warm the cache: the figure is the steady state a marketer sees
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def run(report) -> None:
    ensure_profiles(PROFILES)
    audience, _ = Audience.objects.get_or_create(name=SEED_NAME, defaults={"rule": SEED_RULE})
    audience.rule = SEED_RULE
    report("audience_count_ms", _median_ms(lambda: audience_count(audience=audience)), "ms")
    report(
        "audience_preview_ms",
        _median_ms(lambda: rule_preview(audience.rule)),
        "ms",
    )
