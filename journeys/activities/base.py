"""What every activity type declares: settings (with validation), ports, drawing, and — later —
how it runs. One subclass of `Activity` per module in this package.

Settings are checked with a `SettingsCheck`: it walks the node's `config` and records
`Problem`s whose `path` names the offending value (`nodes[3].config.timeout`), so the API answers
400 with that path and the canvas shows the message next to that field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar, Literal

from journeys import codes
from journeys.durations import format_duration, parse_duration, parse_instant
from journeys.templating import check_template

# Parsing is the costly part of validating a 50-activity journey; templates repeat across saves.
_check_template = lru_cache(maxsize=8192)(check_template)

Category = Literal["events", "orchestration", "actions"]
CATEGORY_LABELS: dict[str, str] = {
    "events": "Events",
    "orchestration": "Orchestration",
    "actions": "Actions",
}


@dataclass(frozen=True)
class Problem:
    """One validation finding. `node` is the node id (None for journey-wide problems)."""

    code: str
    message: str
    path: str = ""
    node: str | None = None

    @property
    def is_warning(self) -> bool:
        return self.code.startswith("WARN_")

    @property
    def blocks_save(self) -> bool:
        """Malformed input (wrong shape, unparsable value, out of guardrails) is never stored."""
        return self.code in codes.MALFORMED

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "node": self.node, "message": self.message, "path": self.path}


@dataclass(frozen=True)
class Port:
    """An exit of a node. `default` is the port of an edge without `port`."""

    name: str
    label: str = ""


DEFAULT_PORT = Port("default", "")
ERROR_PORT = Port("error", "On error")
TIMEOUT_PORT = Port("timeout", "Timeout")


@dataclass
class SettingsCheck:
    """Helpers to check one node's config; problems accumulate in `problems`."""

    config: dict[str, Any]
    path: str
    node: str | None
    problems: list[Problem] = field(default_factory=list)

    # --- recording -------------------------------------------------------------------------
    def add(self, code: str, message: str, key: str | None = None) -> None:
        path = f"{self.path}.{key}" if key else self.path
        self.problems.append(Problem(code, message, path, self.node))

    def invalid(self, key: str | None, message: str) -> None:
        self.add(codes.ERR_SETTING_INVALID, message, key)

    def missing(self, key: str, message: str) -> None:
        self.add(codes.ERR_SETTING_REQUIRED, message, key)

    def child(self, key: str) -> SettingsCheck | None:
        """A check of the nested object `config[key]` (None, with a problem, if not an object)."""
        value = self.config.get(key)
        if not isinstance(value, dict):
            self.invalid(key, "must be an object")
            return None
        return SettingsCheck(value, f"{self.path}.{key}", self.node, self.problems)

    # --- shapes ----------------------------------------------------------------------------
    def known_keys(self, *allowed: str) -> None:
        for key in self.config:
            if key not in allowed:
                expected = ", ".join(allowed) if allowed else "nothing"
                self.invalid(key, f"unknown setting {key!r} (expected: {expected})")

    def present(self, key: str) -> bool:
        return self.config.get(key) not in (None, "", [], {})

    def string(
        self, key: str, *, required: str | None = None, choices: tuple[str, ...] = ()
    ) -> str | None:
        """A string setting; `required` is the message shown when it is missing."""
        if not self.present(key):
            if required:
                self.missing(key, required)
            return None
        value = self.config[key]
        if not isinstance(value, str):
            self.invalid(key, "must be a string")
            return None
        if choices and value not in choices:
            self.invalid(key, f"must be one of: {', '.join(choices)}")
            return None
        return value

    def integer(
        self,
        key: str,
        *,
        required: str | None = None,
        low: int | None = None,
        high: int | None = None,
    ) -> int | None:
        if not self.present(key) and self.config.get(key) != 0:
            if required:
                self.missing(key, required)
            return None
        value = self.config[key]
        if not isinstance(value, int) or isinstance(value, bool):
            self.invalid(key, "must be a whole number")
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            self.add(codes.ERR_SETTING_RANGE, f"must be between {low:,} and {high:,}", key)
            return None
        return value

    def reference(self, key: str, *, required: str | None = None) -> int | str | None:
        """An id (integer) or a name (string) of another object."""
        if not self.present(key):
            if required:
                self.missing(key, required)
            return None
        value = self.config[key]
        if isinstance(value, bool) or not isinstance(value, int | str):
            self.invalid(key, "must be an id (number) or a name (string)")
            return None
        return value

    def duration(
        self,
        key: str,
        *,
        low: dt.timedelta,
        high: dt.timedelta,
        required: str | None = None,
        what: str = "duration",
    ) -> dt.timedelta | None:
        """An ISO 8601 duration within guardrails [low, high]."""
        if not self.present(key):
            if required:
                self.missing(key, required)
            return None
        value = parse_duration(self.config[key])
        if value is None:
            self.invalid(
                key, "must be an ISO 8601 duration in days/hours/minutes/seconds, e.g. PT10M or P1D"
            )
            return None
        if not low <= value <= high:
            self.add(
                codes.ERR_DURATION_RANGE,
                f"{what} must be between {format_duration(low)} and {format_duration(high)}"
                f" (got {format_duration(value)})",
                key,
            )
            return None
        return value

    def instant(self, key: str, *, required: str | None = None) -> dt.datetime | None:
        if not self.present(key):
            if required:
                self.missing(key, required)
            return None
        value = parse_instant(self.config[key])
        if value is None:
            self.invalid(
                key, "must be an ISO 8601 date-time with offset, e.g. 2026-12-01T09:00:00+01:00"
            )
        return value

    def template(self, key: str, *, required: str | None = None) -> str | None:
        """A personalisable text: parsed in the sandbox, errors carry line and column."""
        value = self.string(key, required=required)
        if value is not None:
            problem = _check_template(value)
            if problem is not None:
                self.add(codes.ERR_TEMPLATE_SYNTAX, f"template error at {problem}", key)
        return value


@dataclass
class References:
    """Other objects a node's config names, collected to be looked up in one query per kind."""

    audiences: set[Any] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    actions: set[Any] = field(default_factory=set)
    journeys: set[Any] = field(default_factory=set)


class Names:
    """Display names of referenced objects for node summaries (see journeys.references)."""

    def audience(self, ref: Any) -> str:
        return f"audience #{ref}" if isinstance(ref, int) else str(ref)

    def event(self, ref: Any) -> str:
        return str(ref)

    def action(self, ref: Any) -> str:
        return f"action #{ref}" if isinstance(ref, int) else str(ref)

    def journey(self, ref: Any) -> str:
        return f"journey #{ref}"


class Activity:
    """Base of every activity type. Subclasses set the class attributes and override
    `check_settings`, and where they differ `ports`, `summary`, `references`, `default_config`.

    How it runs: the engine sets `run` on each activity (see journeys/engine/); the catalogue
    itself never executes anything.
    """

    type: ClassVar[str]
    label: ClassVar[str]
    category: ClassVar[Category]
    description: ClassVar[str] = ""
    icon: ClassVar[str] = ""  # inner SVG markup for a 24×24 viewBox, stroke="currentColor"
    colour: ClassVar[str] = "#6366f1"
    entry: ClassVar[bool] = False
    # Event and reaction activities: several after one node race each other (see validation).
    listens: ClassVar[bool] = False
    # Engine hook: `run(context) -> outcome`, installed by the execution engine.
    run: ClassVar[Callable[..., Any] | None] = None

    def default_config(self, *, previous: dict[str, Any] | None = None) -> dict[str, Any]:
        """The config of a freshly dropped node. `previous` is the node it is added after
        ({"id", "type", "config"}) so a reaction can point at the message before it."""
        return {}

    def check_settings(self, check: SettingsCheck) -> None:
        """Record every problem of `check.config` in `check` (shape, required, guardrails)."""
        check.known_keys()

    def ports(self, config: dict[str, Any]) -> list[Port]:
        """The exits of a node with this config, in drawing order."""
        return [DEFAULT_PORT]

    def summary(self, config: dict[str, Any], names: Names) -> str:
        """One line describing the config for the node card ("" when unconfigured)."""
        return ""

    def references(self, config: dict[str, Any]) -> References:
        return References()

    def timeout(self, config: dict[str, Any]) -> dt.timedelta | None:
        """The race timeout this node sets (events and reactions), if any."""
        return None

    def wait_duration(self, config: dict[str, Any]) -> dt.timedelta | None:
        """The fixed time a profile spends in this node (waits), for the journey timeout check."""
        return None

    def as_palette_item(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "label": self.label,
            "category": self.category,
            "description": self.description,
            "icon": self.icon,
            "colour": self.colour,
            "entry": self.entry,
        }


def svg(*elements: str) -> str:
    """Inner markup of a 24×24 stroke icon."""
    return "".join(elements)
