"""Read audience: every member of an audience enters, once or on a schedule, at `rate`/s."""

from journeys import guardrails

from .base import Activity, Names, References, SettingsCheck, svg

SCHEDULE_TYPES = ("once", "daily", "weekly", "monthly")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ReadAudience(Activity):
    type = "read_audience"
    label = "Read audience"
    category = "events"
    description = "Every member of an audience enters, once or on a schedule."
    icon = svg(
        '<circle cx="9" cy="8" r="3.2"/><path d="M3 19c.6-3.3 3-5 6-5s5.4 1.7 6 5"/>',
        '<path d="M16 5.5a3 3 0 0 1 0 5.5M18 14c1.8.7 2.8 2.3 3 5"/>',
    )
    colour = "#0ea5e9"
    entry = True

    def default_config(self, *, previous=None):
        return {"rate": guardrails.DEFAULT_RATE, "schedule": {"type": "once"}}

    def check_settings(self, check: SettingsCheck) -> None:
        check.known_keys("audience", "rate", "schedule")
        check.reference("audience", required="choose the audience to read")
        check.integer("rate", low=guardrails.MIN_RATE, high=guardrails.MAX_RATE)
        if "schedule" in check.config:
            schedule = check.child("schedule")
            if schedule is not None:
                check_schedule(schedule)

    def summary(self, config, names: Names) -> str:
        if not config.get("audience"):
            return ""
        schedule = (config.get("schedule") or {}).get("type", "once")
        when = "once" if schedule == "once" else schedule
        return f"{names.audience(config['audience'])} · {when}"

    def references(self, config) -> References:
        refs = References()
        if config.get("audience"):
            refs.audiences.add(config["audience"])
        return refs


def check_schedule(check: SettingsCheck) -> None:
    """`{"type": "once", "at"?}` or `{"type": "daily"|"weekly"|"monthly", "time": "HH:MM",
    "weekday" (weekly), "day" (monthly, 1–28), "start"?, "end"?}` in the journey's time zone."""
    kind = check.string(
        "type", required="choose once, daily, weekly or monthly", choices=SCHEDULE_TYPES
    )
    if kind == "once":
        check.known_keys("type", "at")
        check.instant("at")
        return
    check.known_keys("type", "time", "weekday", "day", "start", "end")
    time = check.string("time", required="the time of day, e.g. 09:00")
    if time is not None and not _is_time_of_day(time):
        check.invalid("time", "must be a time of day HH:MM, e.g. 09:00")
    if kind == "weekly":
        check.string("weekday", required="the day of the week", choices=WEEKDAYS)
    if kind == "monthly":
        check.integer("day", required="the day of the month", low=1, high=28)
    start, end = check.instant("start"), check.instant("end")
    if start and end and end <= start:
        check.invalid("end", "must be after the start")


def _is_time_of_day(value: str) -> bool:
    hours, _, minutes = value.partition(":")
    return (
        hours.isdigit()
        and minutes.isdigit()
        and len(minutes) == 2
        and 0 <= int(hours) <= 23
        and 0 <= int(minutes) <= 59
    )
