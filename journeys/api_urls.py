"""REST API of `journeys` under /api/v1/ (contract: ../shared/API.md)."""

from django.urls import path

from journeys.channels import api as channels_api

from . import api

urlpatterns = [
    path("journeys/", api.JourneyListCreateApi.as_view(), name="api-journeys"),
    path("journeys/<int:pk>/", api.JourneyDetailApi.as_view(), name="api-journey"),
    path(
        "journeys/<int:pk>/validate/", api.JourneyValidateApi.as_view(), name="api-journey-validate"
    ),
    path("journeys/<int:pk>/publish/", api.JourneyPublishApi.as_view(), name="api-journey-publish"),
    path("journeys/<int:pk>/stop/", api.JourneyStopApi.as_view(), name="api-journey-stop"),
    path("journeys/<int:pk>/close/", api.JourneyCloseApi.as_view(), name="api-journey-close"),
    path(
        "journeys/<int:pk>/versions/", api.JourneyVersionsApi.as_view(), name="api-journey-versions"
    ),
    # channels (journeys/channels/api.py)
    path("messages/", channels_api.MessageListApi.as_view(), name="api-message-list"),
]

# Test mode and the report (journeys/testmode, journeys/reports).
from journeys.testmode.api_urls import urlpatterns as testmode_urlpatterns  # noqa: E402

urlpatterns += testmode_urlpatterns
