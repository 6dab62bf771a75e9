"""Reports of journeys (issue 7): counts per activity and journey totals, live, never mixing test
data with live data; counts over time as server-rendered SVG charts.

- selectors.py   — `journey_report` (set-based: a fixed handful of aggregate queries)
                   and `report_timeseries` (counts per minute/hour/day)
- charts.py      — SVG line charts (no JavaScript, no CDN)
- decorations.py — the counts on the canvas's node cards (journeys.canvas.decorations)
- api.py / views.py — `GET /api/v1/journeys/{id}/report/`, the report page, the canvas strip
"""
