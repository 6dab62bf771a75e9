"""API routes of test mode and reports, included by journeys/api_urls.py."""

from django.urls import path

from journeys.reports.api import ReportApi

from . import api

base = "journeys/<int:pk>/test/"
urlpatterns = [
    path(base, api.TestModeApi.as_view(), name="api-journey-test"),
    path(base + "enter/", api.TestEnterApi.as_view(), name="api-journey-test-enter"),
    path(
        base + "profiles/<int:profile_id>/",
        api.TestProfileApi.as_view(),
        name="api-journey-test-profile",
    ),
    path(base + "events/", api.TestEventApi.as_view(), name="api-journey-test-events"),
    path(base + "reactions/", api.TestReactionApi.as_view(), name="api-journey-test-reactions"),
    path("journeys/<int:pk>/report/", ReportApi.as_view(), name="api-journey-report"),
]
