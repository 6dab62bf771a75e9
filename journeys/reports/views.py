"""The report page of a journey (counts over time as SVG charts, figures per activity) and the
canvas's live report strip (polled; it redraws the node badges too)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from journeys.canvas.presenter import canvas_state
from journeys.models import Journey, JourneyVersion
from journeys.testmode.selectors import node_titles

from .charts import Line, line_chart
from .selectors import journey_report, report_timeseries, reported_versions

SERIES = (
    ("entered", "Entered", "#2563eb"),
    ("exited", "Exited", "#64748b"),
    ("sent", "Messages sent", "#7c3aed"),
    ("opened", "Opened", "#059669"),
    ("clicked", "Clicked", "#d97706"),
)


def activity_rows(version: JourneyVersion, report) -> list[dict]:
    """One row per activity of `version`, in definition order, with its figures."""
    titles = node_titles(version)
    rows = []
    for node in version.definition.get("nodes") or []:
        figures = report.node(node["id"])
        rows.append(
            {
                "id": node["id"],
                "type": node["type"],
                "title": titles[node["id"]],
                "figures": figures,
            }
        )
    return rows


@require_GET
def report_page(request, pk: int):
    """`/journeys/<id>/report/`: totals, charts over time and the per-activity table, for all
    published versions or `?version=N`."""
    journey = get_object_or_404(Journey, pk=pk)
    versions = reported_versions(journey)
    number = request.GET.get("version", "")
    chosen = [v for v in versions if str(v.number) == number] or versions
    ids = [v.pk for v in chosen]
    report = journey_report(version_ids=ids)
    series = report_timeseries(version_ids=ids)
    charts = [
        {
            "title": "Profiles entering and leaving",
            "svg": line_chart(
                series.buckets,
                [Line(label, series.series[key], colour) for key, label, colour in SERIES[:2]],
                unit=series.unit,
                title="Profiles entering and leaving",
            ),
            "legend": SERIES[:2],
        },
        {
            "title": "Messages and reactions",
            "svg": line_chart(
                series.buckets,
                [Line(label, series.series[key], colour) for key, label, colour in SERIES[2:]],
                unit=series.unit,
                title="Messages and reactions",
            ),
            "legend": SERIES[2:],
        },
    ]
    template = (
        "journeys/reports/_report_body.html" if request.htmx else "journeys/reports/report.html"
    )
    return render(
        request,
        template,
        {
            "journey": journey,
            "versions": versions,
            "chosen": chosen[0] if len(chosen) == 1 and number else None,
            "report": report,
            "charts": charts,
            "unit": series.unit,
            "rows": activity_rows(chosen[0], report) if chosen else [],
        },
    )


@require_GET
def canvas_report(request, version_id: int):
    """The canvas's live strip (journey totals of the version shown) plus the graph out of band,
    so node badges follow; polled every few seconds."""
    version = get_object_or_404(JourneyVersion.objects.select_related("journey"), pk=version_id)
    report = journey_report(version_ids=[version.pk])
    strip = render_to_string(
        "journeys/reports/_canvas_strip.html",
        {"version": version, "report": report, "rows": activity_rows(version, report)},
        request=request,
    )
    graph = render_to_string(
        "journeys/canvas/_graph.html",
        {"state": canvas_state(version, user=request.user), "oob": True},
        request=request,
    )
    return HttpResponse(strip + graph)
