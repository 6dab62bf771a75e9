"""REST API of `audiences` under /api/v1/ (contract: ../shared/API.md)."""

from django.urls import path

from . import audience_api

urlpatterns: list = [
    # audiences (audience_api.py)
    path("audiences/", audience_api.AudienceListApi.as_view(), name="api-audience-list"),
    path("audiences/preview/", audience_api.RulePreviewApi.as_view(), name="api-rule-preview"),
    path("audiences/<int:pk>/", audience_api.AudienceDetailApi.as_view(), name="api-audience-detail"),
    path("audiences/<int:pk>/preview/", audience_api.AudiencePreviewApi.as_view(), name="api-audience-preview"),
]
