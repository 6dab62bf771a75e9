"""Journey pages: the list (search, status filter, new, duplicate). The canvas lives in
journeys/canvas/ (`journeys:canvas`)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from . import activities, services
from .models import Journey, VersionStatus
from .selectors import journey_list as select_journeys

NEW_JOURNEY_NAME = "Untitled journey"
PAGE_SIZE = 25


@require_GET
def journey_list(request):
    """Steps: read the search and status filter; select the page; render (the table alone
    for HTMX requests, so typing in the search box swaps only the results)."""
    search = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    if status not in VersionStatus.values:
        status = ""
    page = Paginator(select_journeys(search=search, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [
        {"journey": journey, "entry": activities.REGISTRY.get(journey.entry_type)}
        for journey in page
    ]
    context = {
        "rows": rows,
        "page": page,
        "search": search,
        "status": status,
        "statuses": VersionStatus.choices,
        "has_any": Journey.objects.exists(),
    }
    template = "journeys/_journey_table.html" if request.htmx else "journeys/journey_list.html"
    return render(request, template, context)


@require_POST
def journey_new(request):
    """An empty draft, opened on the canvas."""
    version, _ = services.journey_create(
        document={"name": NEW_JOURNEY_NAME, "nodes": [], "edges": []}, user=request.user
    )
    return redirect("journeys:canvas", pk=version.journey_id)


@require_POST
def journey_duplicate(request, pk: int):
    journey = get_object_or_404(Journey, pk=pk)
    copy = services.journey_duplicate(journey=journey, user=request.user)
    messages.success(request, f"“{journey.name}” duplicated: this is the copy, a new draft.")
    return redirect("journeys:canvas", pk=copy.journey_id)
