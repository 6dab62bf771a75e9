"""Profile pages: list (search, filters, keyset paging), detail (with other apps' panels) and
CSV import (upload, job page with an HTMX-polled progress bar and the row error report)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from .models import ImportJob
from .panels import render_panels
from .selectors import profiles as selectors
from .services.profile_import import import_job_create, inline_max_rows

TEST_FILTERS = {"": None, "test": True, "real": False}


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


@require_GET
def profile_list(request: HttpRequest) -> HttpResponse:
    """The list; an HTMX request (typing in the search box, changing a filter) gets only the
    results region back."""
    query = request.GET.get("q", "").strip()[:200]
    city = request.GET.get("city", "")
    test = request.GET.get("test", "")
    page = selectors.profile_list_page(
        query=query,
        city=city,
        is_test=TEST_FILTERS.get(test),
        after=_int_param(request, "after"),
        before=_int_param(request, "before"),
    )
    filters = {"q": query, "city": city, "test": test}
    context = {
        "page": page,
        "rows": [(p, {i.namespace: i.value for i in p.identities.all()}) for p in page.profiles],
        "filters": filters,
        "filtered": any(filters.values()),
        "cities": selectors.profile_cities(),
        "query_string": urlencode({k: v for k, v in filters.items() if v}),
    }
    template = (
        "audiences/profiles/_results.html" if request.htmx else "audiences/profiles/list.html"
    )
    return render(request, template, context)


@require_GET
def profile_detail(request: HttpRequest, profile_id: int) -> HttpResponse:
    profile = selectors.profile_get(profile_id=profile_id)
    if profile is None:
        raise Http404("No such profile")
    representation = selectors.profile_representation(profile)
    core = ("first_name", "last_name", "city", "birth_year", "timezone")
    context = {
        "profile": profile,
        "identities": representation["identities"],
        "custom_attributes": sorted(
            (k, v) for k, v in representation["attributes"].items() if k not in core
        ),
        "panels": render_panels(request, profile),
    }
    return render(request, "audiences/profiles/detail.html", context)


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV file")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".txt", ".tsv")):
            raise forms.ValidationError("Choose a .csv file (comma, semicolon or tab separated).")
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        return upload


@require_http_methods(["GET", "POST"])
def profile_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = import_job_create(upload=form.cleaned_data["file"], user=request.user)
        return redirect("audiences:profile_import_job", job_id=job.pk)
    context = {
        "form": form,
        "jobs": ImportJob.objects.select_related("created_by")[:10],
        "inline_max_rows": inline_max_rows(),
    }
    return render(request, "audiences/profiles/import.html", context)


@require_GET
def profile_import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """The job page; HTMX polls it for the progress card while the import runs."""
    job = get_object_or_404(ImportJob, pk=job_id)
    template = (
        "audiences/profiles/_import_progress.html"
        if request.htmx
        else "audiences/profiles/import_job.html"
    )
    return render(request, template, {"job": job})
