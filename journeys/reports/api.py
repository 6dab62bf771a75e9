"""`GET /api/v1/journeys/{id}/report/` (contract): live figures of the journey's published
versions — test runs never count. Extension: `?version=N` for one version."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import error_response
from journeys.models import Journey

from .selectors import journey_report, reported_versions

NODE = inline_serializer(
    "ReportNode",
    {
        "entered": serializers.IntegerField(),
        "exited": serializers.IntegerField(),
        "errors": serializers.IntegerField(),
        "sent": serializers.IntegerField(required=False, help_text="message activities"),
        "excluded": serializers.IntegerField(required=False),
        "failed": serializers.IntegerField(required=False),
        "opened": serializers.IntegerField(required=False),
        "clicked": serializers.IntegerField(required=False),
    },
)


class ReportApi(APIView):
    @extend_schema(
        summary="Live report: totals and per-activity figures",
        parameters=[
            OpenApiParameter("version", OpenApiTypes.INT, description="One version's figures")
        ],
        responses=inline_serializer(
            "Report",
            {
                "entered": serializers.IntegerField(),
                "exited": serializers.IntegerField(),
                "errors": serializers.IntegerField(),
                "discarded": serializers.IntegerField(),
                "active": serializers.IntegerField(),
                "nodes": serializers.DictField(child=NODE),
            },
        ),
    )
    def get(self, request: Request, pk: int) -> Response:
        journey = get_object_or_404(Journey, pk=pk)
        versions = reported_versions(journey)
        number = request.query_params.get("version")
        if number is not None:
            if not number.isdigit():
                return error_response([{"field": "version", "message": "a version number"}])
            versions = [v for v in versions if v.number == int(number)]
            if not versions:
                return error_response(
                    [{"field": "version", "message": f"version {number} was never published"}], 404
                )
        return Response(journey_report(version_ids=[v.pk for v in versions]).as_api())
