"""Web pages of `journeys` (server-rendered, HTMX)."""

from django.urls import include, path

from journeys.channels.urls import urlpatterns as channel_urlpatterns

from . import views

app_name = "journeys"
urlpatterns: list = [
    path("journeys/", views.journey_list, name="list"),
    path("journeys/new/", views.journey_new, name="new"),
    path("journeys/<int:pk>/duplicate/", views.journey_duplicate, name="duplicate"),
    *channel_urlpatterns,
    path("", include("journeys.canvas.urls")),
    path("", include("journeys.testmode.urls")),  # test mode and reports
]
