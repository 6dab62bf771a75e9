"""ISO 8601 durations (`PT10M`, `P1D`, `P1DT12H`, `P2W`) and instants, as journeys use them.

Months and years are refused: their length depends on the calendar, and guardrails (wait up to
90 days, timeouts 40 s–90 days, a journey 91 days) are exact. `format_duration` gives the short
human form shown on node cards ("1 day", "2 h 30 min").
"""

from __future__ import annotations

import datetime as dt
import re

_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration(value: object) -> dt.timedelta | None:
    """`P1D` → timedelta(days=1); None when `value` is not a duration we accept."""
    if not isinstance(value, str) or value in ("P", "PT") or value.endswith("T"):
        return None
    match = _DURATION.match(value.strip().upper())
    if not match or not any(match.groupdict().values()):
        return None
    parts = {key: float(amount) for key, amount in match.groupdict().items() if amount}
    return dt.timedelta(**parts)


def format_duration(delta: dt.timedelta) -> str:
    """timedelta(days=1, hours=2) → "1 day 2 h"; the form node cards show."""
    seconds = int(delta.total_seconds())
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} h")
    if minutes:
        parts.append(f"{minutes} min")
    if seconds or not parts:
        parts.append(f"{seconds} s")
    return " ".join(parts)


def duration_iso(delta: dt.timedelta) -> str:
    """timedelta → the canonical ISO form (`P1DT2H`)."""
    seconds = int(delta.total_seconds())
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    time = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    out = f"P{days}D" if days else "P"
    if time:
        out += "T" + time
    return out if out != "P" else "PT0S"


def parse_instant(value: object) -> dt.datetime | None:
    """An ISO 8601 date-time WITH offset (`2026-12-01T09:00:00+01:00`); None otherwise."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None
