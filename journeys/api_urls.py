"""REST API of `journeys` under /api/v1/ (contract: ../shared/API.md)."""

from django.urls import path

urlpatterns: list = []
