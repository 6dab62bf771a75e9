"""`{% canvas_dock state %}`: the canvas's left dock — the test panel in test mode, the live
report on published versions, nothing on drafts (the palette shows instead)."""

from __future__ import annotations

from django import template

from journeys.models import VersionStatus
from journeys.reports.selectors import REPORTED_STATUSES, journey_report

register = template.Library()


@register.inclusion_tag("journeys/canvas/test/_dock.html", takes_context=True)
def canvas_dock(context, state) -> dict:
    from journeys.testmode.views import dock_context

    version = state.version
    dock: dict = {"request": context.get("request"), "state": state, "mode": ""}
    if version.status == VersionStatus.TEST:
        request = context.get("request")
        raw = request.GET.get("profile", "") if request is not None else ""
        dock |= {"mode": "test"} | dock_context(
            version, profile_id=int(raw) if raw.isdigit() else None
        )
    elif version.status in REPORTED_STATUSES:
        from journeys.reports.views import activity_rows

        report = journey_report(version_ids=[version.pk])
        dock |= {
            "mode": "report",
            "version": version,
            "report": report,
            "rows": activity_rows(version, report),
        }
    return dock
