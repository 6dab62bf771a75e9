"""Web pages of `events` (server-rendered, HTMX)."""

from django.urls import path

from . import views

app_name = "events"
urlpatterns: list = [
    path("events/", views.event_configuration_list, name="list"),
]
