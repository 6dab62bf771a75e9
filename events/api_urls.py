"""REST API of `events` under /api/v1/ (contract: ../shared/API.md)."""

from django.urls import path

from . import api

urlpatterns: list = [
    path(
        "event-configurations/", api.ConfigurationListApi.as_view(), name="event-configuration-list"
    ),
    path(
        "event-configurations/<int:pk>/",
        api.ConfigurationDetailApi.as_view(),
        name="event-configuration-detail",
    ),
    path("events/", api.EventsApi.as_view(), name="events"),
]
