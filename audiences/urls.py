"""Web pages of `audiences`: profiles and audiences (server-rendered, HTMX)."""

from django.urls import path

from . import audience_views, profile_views

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
    # profiles (profile_views.py); URL names contain "profile" so the nav highlights Profiles
    path("profiles/", profile_views.profile_list, name="profile_list"),
    path("profiles/<int:profile_id>/", profile_views.profile_detail, name="profile_detail"),
    path("profiles/import/", profile_views.profile_import, name="profile_import"),
    path(
        "profiles/import/<int:job_id>/", profile_views.profile_import_job, name="profile_import_job"
    ),
]
