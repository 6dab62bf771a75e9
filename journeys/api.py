"""Journeys API (contract: ../shared/API.md, "Journeys"). Thin views over the services.

A journey's representation is its definition document exactly as written (name, description,
namespace, properties, nodes, edges) plus `id`, `status`, `version` and `revision` (send it back
in a PUT to be protected against concurrent edits). Errors use the house shape
`{"errors": [{"field": "nodes[3].config.timeout", "message", "code", "node"}]}`.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import error_response

from . import services
from .demo import seed_definition
from .models import Journey, JourneyVersion
from .selectors import journey_list, latest_version, version_document, version_report

EXAMPLE = OpenApiExample("The seed journey", value=seed_definition(12), request_only=True)


class NodeSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="Unique in the journey: letters, digits, - and _.")
    type = serializers.ChoiceField(
        choices=[
            "read_audience",
            "unitary_event",
            "audience_qualification",
            "business_event",
            "event",
            "reaction",
            "message",
            "action",
            "update_profile",
            "wait",
            "condition",
            "split",
            "jump",
            "end",
        ]
    )
    config = serializers.JSONField(required=False, help_text="Settings of the activity type.")
    label = serializers.CharField(required=False, help_text="Display name on the canvas.")


class EdgeSerializer(serializers.Serializer):
    from_ = serializers.CharField(help_text="Source node id.")
    to = serializers.CharField(help_text="Target node id.")
    port = serializers.CharField(
        required=False, help_text="Exit of the source: default, timeout, error, path-1…, other."
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class DocumentSerializer(serializers.Serializer):
    """Documentation only: the definition is checked by journeys.validation (paths in errors)."""

    name = serializers.CharField()
    description = serializers.CharField(required=False)
    namespace = serializers.CharField(required=False)
    properties = serializers.JSONField(
        required=False,
        help_text='{"reentrance": {"allowed": false, "wait": "PT5M"}, "timezone": "UTC", "start": …, "end": …}',
    )
    nodes = NodeSerializer(many=True)
    edges = EdgeSerializer(many=True)


class JourneySerializer(DocumentSerializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(
        choices=["draft", "test", "live", "closed", "stopped", "finished"]
    )
    version = serializers.IntegerField()
    revision = serializers.IntegerField(help_text="Send it back in PUT: a stale revision gets 409.")


class PutSerializer(DocumentSerializer):
    revision = serializers.IntegerField(required=False)


class ProblemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable code, see docs/journey-validation.md")
    node = serializers.CharField(allow_null=True)
    message = serializers.CharField()
    path = serializers.CharField(help_text="e.g. nodes[3].config.timeout")


class ReportSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    errors = ProblemSerializer(many=True)
    warnings = ProblemSerializer(many=True)


REPORT = ReportSerializer
ERRORS = inline_serializer(
    "Errors",
    {
        "errors": inline_serializer(
            "Error",
            {
                "field": serializers.CharField(),
                "message": serializers.CharField(),
                "code": serializers.CharField(required=False),
                "node": serializers.CharField(required=False),
            },
            many=True,
        )
    },
)
VERSION_PARAM = OpenApiParameter(
    "version", OpenApiTypes.INT, description="A version number (default: the latest)."
)


def represent(version: JourneyVersion) -> dict[str, Any]:
    return {
        "id": version.journey_id,
        **version_document(version),
        "status": version.status,
        "version": version.number,
        "revision": version.revision,
    }


def _version(journey: Journey, request: Request) -> JourneyVersion:
    number = request.query_params.get("version")
    if number:
        return get_object_or_404(
            JourneyVersion.objects.select_related("journey"), journey=journey, number=number
        )
    return latest_version(journey)


def _refused(exc: services.JourneyServiceError) -> Response:
    return error_response(exc.as_errors(), code=exc.status)


def _body(request: Request) -> Any:
    return request.data if isinstance(request.data, dict) else request.data


class JourneyListCreateApi(APIView):
    @extend_schema(
        summary="List journeys",
        parameters=[
            OpenApiParameter("search", str),
            OpenApiParameter("status", str, description="Latest version's status."),
        ],
        responses=inline_serializer(
            "JourneyListItem",
            {
                "id": serializers.IntegerField(),
                "name": serializers.CharField(),
                "status": serializers.CharField(),
                "version": serializers.IntegerField(),
                "entry_type": serializers.CharField(),
                "updated_at": serializers.DateTimeField(),
            },
            many=True,
        ),
    )
    def get(self, request: Request) -> Response:
        queryset = journey_list(
            search=request.query_params.get("search", ""),
            status=request.query_params.get("status", ""),
        )
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(
            [
                {
                    "id": j.pk,
                    "name": j.name,
                    "status": j.latest_status,
                    "version": j.latest_number,
                    "entry_type": j.entry_type,
                    "updated_at": j.latest_updated_at,
                }
                for j in page
            ]
        )

    @extend_schema(
        summary="Create a journey (version 1, draft) from a definition",
        request=DocumentSerializer,
        examples=[EXAMPLE],
        responses={201: JourneySerializer, 400: ERRORS},
    )
    def post(self, request: Request) -> Response:
        try:
            version, _ = services.journey_create(document=_body(request), user=request.user)
        except services.JourneyServiceError as exc:
            return _refused(exc)
        return Response(represent(version), status=status.HTTP_201_CREATED)


class JourneyDetailApi(APIView):
    @extend_schema(
        summary="A journey's definition, status and version",
        parameters=[VERSION_PARAM],
        responses=JourneySerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(represent(_version(get_object_or_404(Journey, pk=pk), request)))

    @extend_schema(
        summary="Replace the draft's definition",
        request=PutSerializer,
        examples=[EXAMPLE],
        responses={200: JourneySerializer, 400: ERRORS, 409: ERRORS},
    )
    def put(self, request: Request, pk: int) -> Response:
        journey = get_object_or_404(Journey, pk=pk)
        body = _body(request)
        revision = body.get("revision") if isinstance(body, dict) else None
        if revision is not None and (not isinstance(revision, int) or isinstance(revision, bool)):
            return error_response([{"field": "revision", "message": "must be a whole number"}])
        try:
            version, _ = services.journey_update_definition(
                journey=journey, document=body, expected_revision=revision, user=request.user
            )
        except services.JourneyServiceError as exc:
            return _refused(exc)
        return Response(represent(version))


class JourneyValidateApi(APIView):
    @extend_schema(
        summary="Validate a journey", request=None, parameters=[VERSION_PARAM], responses=REPORT
    )
    def post(self, request: Request, pk: int) -> Response:
        version = _version(get_object_or_404(Journey, pk=pk), request)
        return Response(version_report(version).as_dict())


class _LifecycleApi(APIView):
    transition: Any = None  # a lifecycle service, wrapped in staticmethod

    def post(self, request: Request, pk: int) -> Response:
        journey = get_object_or_404(Journey, pk=pk)
        try:
            self.transition(journey=journey, user=request.user)
        except services.JourneyServiceError as exc:
            return _refused(exc)
        return Response(represent(latest_version(journey)))


@extend_schema(
    summary="Publish the draft (refused with the validation errors if invalid)",
    request=None,
    responses={200: JourneySerializer, 400: ERRORS, 403: ERRORS, 409: ERRORS},
)
class JourneyPublishApi(_LifecycleApi):
    transition = staticmethod(services.journey_publish)


@extend_schema(
    summary="Stop: every profile leaves now",
    request=None,
    responses={200: JourneySerializer, 403: ERRORS, 409: ERRORS},
)
class JourneyStopApi(_LifecycleApi):
    transition = staticmethod(services.journey_stop)


@extend_schema(
    summary="Close: no new entries; those inside finish",
    request=None,
    responses={200: JourneySerializer, 403: ERRORS, 409: ERRORS},
)
class JourneyCloseApi(_LifecycleApi):
    transition = staticmethod(services.journey_close)


class JourneyVersionsApi(APIView):
    @extend_schema(
        summary="The journey's versions",
        responses=inline_serializer(
            "JourneyVersionItem",
            {
                "version": serializers.IntegerField(),
                "status": serializers.CharField(),
                "revision": serializers.IntegerField(),
                "created_at": serializers.DateTimeField(),
                "updated_at": serializers.DateTimeField(),
                "published_at": serializers.DateTimeField(allow_null=True),
            },
            many=True,
        ),
    )
    def get(self, request: Request, pk: int) -> Response:
        journey = get_object_or_404(Journey, pk=pk)
        return Response(
            [
                {
                    "version": v.number,
                    "status": v.status,
                    "revision": v.revision,
                    "created_at": v.created_at,
                    "updated_at": v.updated_at,
                    "published_at": v.published_at,
                }
                for v in journey.versions.order_by("number")
            ]
        )

    @extend_schema(
        summary="New draft version from the latest",
        request=None,
        responses={201: JourneySerializer, 409: ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        journey = get_object_or_404(Journey, pk=pk)
        try:
            version = services.journey_new_version(journey=journey, user=request.user)
        except services.JourneyServiceError as exc:
            return _refused(exc)
        return Response(represent(version), status=status.HTTP_201_CREATED)
