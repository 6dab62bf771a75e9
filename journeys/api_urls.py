"""REST API of `journeys` under /api/v1/ (contract: ../shared/API.md)."""

urlpatterns: list = []
