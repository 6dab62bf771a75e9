"""Web pages of `events` (server-rendered, HTMX)."""

from django.urls import path

from . import views

app_name = "events"
urlpatterns: list = [
    path("events/", views.configuration_list, name="list"),
    path("events/new/", views.configuration_new, name="new"),
    path("events/preview/", views.configuration_preview, name="preview"),
    path("events/condition/", views.configuration_condition, name="condition"),
    path("events/log/", views.event_explorer, name="explorer"),
    path("events/<int:pk>/", views.configuration_edit, name="edit"),
    path("events/<int:pk>/delete/", views.configuration_delete, name="delete"),
]
