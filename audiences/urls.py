"""Web pages of `audiences`: profiles and audiences (server-rendered, HTMX)."""

from django.urls import path

from . import audience_views, views

app_name = "audiences"
urlpatterns: list = [
    # audiences and the rule builder (audience_views.py)
    path("audiences/", audience_views.audience_list, name="list"),
    path("audiences/new/", audience_views.audience_new, name="new"),
    path("audiences/preview/", audience_views.audience_preview, name="preview"),
    path("audiences/fields/<str:name>/values/", audience_views.field_values, name="field_values"),
    path("audiences/<int:pk>/", audience_views.audience_edit, name="edit"),
    path("audiences/<int:pk>/count/", audience_views.audience_count_cell, name="count"),
    path("audiences/<int:pk>/delete/", audience_views.audience_remove, name="delete"),
    # profiles (views.py)
    path("profiles/", views.profile_list, name="profile_list"),
]
