"""REST API of `audiences` under /api/v1/ (contract: ../shared/API.md)."""

from django.urls import path

from . import audience_api, profile_api

urlpatterns: list = [
    # audiences (audience_api.py)
    path("audiences/", audience_api.AudienceListApi.as_view(), name="api-audience-list"),
    path("audiences/preview/", audience_api.RulePreviewApi.as_view(), name="api-rule-preview"),
    path(
        "audiences/<int:pk>/", audience_api.AudienceDetailApi.as_view(), name="api-audience-detail"
    ),
    path(
        "audiences/<int:pk>/preview/",
        audience_api.AudiencePreviewApi.as_view(),
        name="api-audience-preview",
    ),
    # profiles (profile_api.py)
    path("profiles/", profile_api.profiles_endpoint, name="api-profiles"),
    path("profiles/batch/", profile_api.profiles_batch_endpoint, name="api-profiles-batch"),
    path("profiles/<int:profile_id>/", profile_api.profile_endpoint, name="api-profile"),
]
