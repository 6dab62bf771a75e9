"""Node settings forms of the canvas: POST data ⇄ a node's `config` (the contract's JSON).

Inputs are named by their config path (`timeout`, `email.subject`, `paths[1].label`) so a
validation problem's path (`nodes[3].config.email.subject`) lands next to its field. Durations
are edited as a number and a unit (`timeout__value`, `timeout__unit`), instants as the
journey's local date-time, and both are stored in ISO 8601.

`config_from_post(type, post, current=..., tz=...)` builds the new config; `op` buttons
(`add_path`, `remove_path:2`…) change list lengths before anything is saved.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from collections.abc import Callable
from typing import Any

from django.http import QueryDict

from journeys.durations import parse_duration, parse_instant

DURATION_UNITS = (("minutes", "minutes", 60), ("hours", "hours", 3600), ("days", "days", 86400))
_UNIT_SECONDS = {key: seconds for key, _, seconds in DURATION_UNITS}
_ISO_UNIT = {"minutes": ("PT", "M"), "hours": ("PT", "H"), "days": ("P", "D")}
CHANNELS = ("email", "push", "sms")


# --- small converters ----------------------------------------------------------------------


def duration_parts(value: Any, default_unit: str = "days") -> tuple[str, str]:
    """`P1D` → ("1", "days"); the largest unit that divides it exactly."""
    delta = parse_duration(value)
    if delta is None:
        return "", default_unit
    seconds = int(delta.total_seconds())
    for key, _, unit in reversed(DURATION_UNITS):
        if seconds and seconds % unit == 0:
            return str(seconds // unit), key
    return str(round(seconds / 60, 2)), "minutes"


def duration_from_post(post: QueryDict, name: str) -> str | None:
    """`name__value` + `name__unit` → ISO 8601; "" values → None; bad numbers pass through
    as written so validation names the field."""
    raw = (post.get(f"{name}__value") or "").strip()
    unit = post.get(f"{name}__unit") or "days"
    if not raw:
        return None
    try:
        amount = float(raw)
    except ValueError:
        return raw
    prefix, suffix = _ISO_UNIT.get(unit, ("P", "D"))
    if amount != int(amount) or amount < 0:
        return f"PT{max(amount, 0) * _UNIT_SECONDS.get(unit, 86400):g}S"
    return f"{prefix}{int(amount)}{suffix}"


def local_input(value: Any, tz: str) -> str:
    """An ISO instant → `YYYY-MM-DDTHH:MM` in the journey's time zone (datetime-local)."""
    instant = parse_instant(value)
    if instant is None:
        return ""
    return instant.astimezone(_zone(tz)).strftime("%Y-%m-%dT%H:%M")


def instant_from_local(raw: str | None, tz: str) -> str | None:
    """A datetime-local value read in the journey's time zone → ISO 8601 with offset."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        naive = dt.datetime.fromisoformat(raw)
    except ValueError:
        return raw
    if naive.tzinfo is None:
        naive = naive.replace(tzinfo=_zone(tz))
    return naive.isoformat()


def _zone(tz: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(tz or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _reference(raw: str | None) -> int | str | None:
    """A picker's value: ids are numbers, names stay strings."""
    raw = (raw or "").strip()
    if not raw:
        return None
    return int(raw) if raw.isdigit() else raw


def _number(raw: str | None) -> int | str | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        return raw


def _rows(post: QueryDict, prefix: str) -> list[tuple[str, str]]:
    """Key/value rows `prefix.key` / `prefix.value` (in order), blank keys skipped."""
    keys, values = post.getlist(f"{prefix}.key"), post.getlist(f"{prefix}.value")
    return [(k.strip(), v) for k, v in zip(keys, values, strict=False) if k.strip()]


def _scalar(value: str) -> Any:
    """Values typed as `42`, `3.5`, `true`, `false`, `null` keep their JSON type; text stays text."""
    text = value.strip()
    if text in ("true", "false", "null"):
        return json.loads(text)
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return value


def _set_timeout(config: dict[str, Any], post: QueryDict, current: dict[str, Any]) -> None:
    """Ticking "Set an event timeout" starts from the previous value, else one day."""
    if post.get("timeout__on"):
        config["timeout"] = duration_from_post(post, "timeout") or current.get("timeout") or "P1D"
    else:
        config.pop("timeout", None)


# --- one reader per activity type -------------------------------------------------------------


def _read_audience(post, current, tz):
    kind = post.get("schedule.type") or "once"
    schedule: dict[str, Any] = {"type": kind}
    if kind == "once":
        if at := instant_from_local(post.get("schedule.at"), tz):
            schedule["at"] = at
    else:
        schedule["time"] = (post.get("schedule.time") or "").strip()
        if kind == "weekly":
            schedule["weekday"] = post.get("schedule.weekday") or "mon"
        if kind == "monthly":
            schedule["day"] = _number(post.get("schedule.day")) or 1
        for key in ("start", "end"):
            if value := instant_from_local(post.get(f"schedule.{key}"), tz):
                schedule[key] = value
    config = {
        "audience": _reference(post.get("audience")),
        "rate": _number(post.get("rate")),
        "schedule": schedule,
    }
    return {k: v for k, v in config.items() if v is not None}


def _unitary_event(post, current, tz):
    return {"event": post.get("event") or None} if post.get("event") else {}


def _audience_qualification(post, current, tz):
    config = {"behavior": post.get("behavior") or "enter"}
    if audience := _reference(post.get("audience")):
        config["audience"] = audience
    return config


def _business_event(post, current, tz):
    config: dict[str, Any] = {}
    if post.get("event"):
        config["event"] = post["event"]
    if audience := _reference(post.get("audience")):
        config["audience"] = audience
    return config


def _event(post, current, tz):
    config: dict[str, Any] = {"event": post["event"]} if post.get("event") else {}
    _set_timeout(config, post, current)
    return config


def _reaction(post, current, tz):
    config: dict[str, Any] = {}
    for key in ("action", "channel", "reaction"):
        if post.get(key):
            config[key] = post[key]
    if ":" in (pick := post.get("reaction_pick") or ""):
        config["channel"], config["reaction"] = pick.split(":", 1)
    _set_timeout(config, post, current)
    return config


def _message(post, current, tz):
    config: dict[str, Any] = {}
    if post.get("channel.email"):
        config["email"] = {k: post.get(f"email.{k}", "") for k in ("subject", "html", "text")}
    if post.get("channel.push"):
        config["push"] = {k: post.get(f"push.{k}", "") for k in ("title", "body")}
    if post.get("channel.sms"):
        config["sms"] = {"body": post.get("sms.body", "")}
    return config


def _wait(post, current, tz):
    if post.get("mode") == "until":
        until = instant_from_local(post.get("until"), tz)
        return {"until": until} if until else {}
    duration = duration_from_post(post, "duration")
    return {"duration": duration} if duration else {}


def _condition(post, current, tz):
    count = int(post.get("paths__count") or 0)
    paths = []
    for index in range(count):
        raw = post.get(f"paths[{index}].rule") or '{"all": []}'
        try:
            rule = json.loads(raw)
        except ValueError:
            rule = raw
        paths.append(
            {
                "label": post.get(f"paths[{index}].label", "").strip() or f"Path {index + 1}",
                "rule": rule,
            }
        )
    return {"paths": paths, "other": bool(post.get("other"))}


def _split(post, current, tz):
    count = int(post.get("weights__count") or 0)
    return {"weights": [_number(post.get(f"weights[{i}]")) for i in range(count)]}


def _action(post, current, tz):
    config: dict[str, Any] = {"params": {k: _scalar(v) for k, v in _rows(post, "params")}}
    if action := _reference(post.get("action")):
        config["action"] = action
    return config


def _update_profile(post, current, tz):
    return {"attributes": {k: _scalar(v) for k, v in _rows(post, "attributes")}}


def _jump(post, current, tz):
    journey = _reference(post.get("journey"))
    return {"journey": journey} if journey is not None else {}


def _end(post, current, tz):
    return {}


READERS: dict[str, Callable[[QueryDict, dict[str, Any], str], dict[str, Any]]] = {
    "read_audience": _read_audience,
    "unitary_event": _unitary_event,
    "audience_qualification": _audience_qualification,
    "business_event": _business_event,
    "event": _event,
    "reaction": _reaction,
    "message": _message,
    "wait": _wait,
    "condition": _condition,
    "split": _split,
    "action": _action,
    "update_profile": _update_profile,
    "jump": _jump,
    "end": _end,
}


def apply_op(type_: str, config: dict[str, Any], op: str) -> dict[str, Any]:
    """Structural buttons of a form: add/remove a condition path, a split branch, a row."""
    name, _, arg = op.partition(":")
    index = int(arg) if arg.isdigit() else -1
    if name == "add_path" and type_ == "condition":
        config["paths"].append({"label": f"Path {len(config['paths']) + 1}", "rule": {"all": []}})
    elif name == "remove_path" and type_ == "condition" and 0 <= index < len(config["paths"]):
        config["paths"].pop(index)
    elif name == "add_path" and type_ == "split":
        config["weights"].append(config["weights"][-1] if config["weights"] else 50)
    elif name == "remove_path" and type_ == "split" and 0 <= index < len(config["weights"]):
        config["weights"].pop(index)
    elif name == "add_row" and type_ in ("action", "update_profile"):
        key = "params" if type_ == "action" else "attributes"
        fresh = next(
            f"{key[:-1]}_{n}" for n in range(1, 100) if f"{key[:-1]}_{n}" not in config[key]
        )
        config[key][fresh] = ""
    elif name == "remove_row" and type_ in ("action", "update_profile"):
        key = "params" if type_ == "action" else "attributes"
        config[key].pop(arg, None)
    return config


def config_from_post(
    type_: str, post: QueryDict, *, current: dict[str, Any], tz: str = "UTC"
) -> dict[str, Any]:
    """The node's new config from the panel's form (see the module docstring)."""
    reader = READERS.get(type_)
    config = reader(post, current, tz) if reader else dict(current)
    if op := post.get("op"):
        config = apply_op(type_, config, op)
    return config


def field_errors(problems, node_path: str) -> dict[str, list[str]]:
    """Problems of one node keyed by their config path (`timeout`, `email.subject`); problems
    about the node as a whole (placement, reachability) under ""."""
    prefix = f"{node_path}.config."
    out: dict[str, list[str]] = {}
    for problem in problems:
        key = problem.path[len(prefix) :] if problem.path.startswith(prefix) else ""
        out.setdefault(key, []).append(problem.message)
    return out
