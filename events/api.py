"""REST API of `events` (contract: ../shared/API.md, "Event configurations and events").

Thin views: shapes in, services/selectors, shapes out. Configuration data is validated by
`events.services` (one validation for the API, the page and the admin)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import error_response

from . import selectors, services
from .examples import example_payload
from .models import Event, EventConfiguration
from .usage import usages

PURCHASE_EXAMPLE = {
    "name": "purchase",
    "type": "unitary",
    "id_type": "rule_based",
    "fields": [
        {"path": "email", "type": "string", "required": True},
        {"path": "purchaseMessage", "type": "string"},
        {"path": "product", "type": "string"},
        {"path": "amount", "type": "number"},
    ],
    "condition": {"field": "purchaseMessage", "op": "eq", "value": "thank you"},
    "namespace": "email",
    "profile_id_field": "email",
}


class FieldSerializer(serializers.Serializer):
    path = serializers.CharField(help_text="Dotted payload path, e.g. order.total")
    type = serializers.CharField(help_text="string | integer | number | boolean | datetime")
    required = serializers.BooleanField(default=False)


class ConfigurationInputSerializer(serializers.Serializer):
    """An event configuration. Errors name each offending path (e.g. `condition.all[0].value`)."""

    name = serializers.RegexField(r"^[A-Za-z0-9_]{1,30}$")
    description = serializers.CharField(required=False, allow_blank=True)
    type = serializers.ChoiceField(choices=EventConfiguration.Type.choices, default="unitary")
    id_type = serializers.ChoiceField(
        choices=EventConfiguration.IdType.choices, default="rule_based"
    )
    fields = FieldSerializer(many=True)
    condition = serializers.JSONField(
        required=False, allow_null=True, help_text="Rule over payload paths (rule-based)"
    )
    namespace = serializers.CharField(
        required=False, allow_blank=True, help_text="Unitary: identity namespace"
    )
    profile_id_field = serializers.CharField(
        required=False, allow_blank=True, help_text="Unitary: identifier field"
    )


class ConfigurationOutputSerializer(serializers.ModelSerializer):
    fields = FieldSerializer(many=True)  # type: ignore[assignment]
    used_by = serializers.SerializerMethodField()
    restricted = serializers.SerializerMethodField(
        help_text="Used by a live journey: only name, description and new optional fields may change"
    )
    example_payload = serializers.SerializerMethodField(help_text="What an integrator sends")

    class Meta:
        model = EventConfiguration
        fields = [
            "id",
            "name",
            "description",
            "type",
            "id_type",
            "event_id",
            "fields",
            "condition",
            "namespace",
            "profile_id_field",
            "used_by",
            "restricted",
            "example_payload",
            "created_at",
            "updated_at",
        ]

    def _usages(self, config: EventConfiguration) -> list:
        cache = self.context.setdefault("usages", {})
        if config.pk not in cache:
            cache.update(usages([config.pk]))
        return cache[config.pk]

    def get_used_by(self, config: EventConfiguration) -> list[dict[str, Any]]:
        return [{"label": u.label, "live": u.live, "url": u.url} for u in self._usages(config)]

    def get_restricted(self, config: EventConfiguration) -> bool:
        return any(u.live for u in self._usages(config))

    def get_example_payload(self, config: EventConfiguration) -> dict[str, Any]:
        return example_payload(services.configuration_data(config) | {"event_id": config.event_id})


def _invalid(exc: services.EventConfigurationInvalid) -> Response:
    return error_response(exc.errors)


class ConfigurationListApi(APIView):
    @extend_schema(
        responses=ConfigurationOutputSerializer(many=True), summary="List event configurations"
    )
    def get(self, request: Request) -> Response:
        paginator = LimitOffsetPagination()
        configs = list(selectors.configuration_list())
        page = paginator.paginate_queryset(configs, request, view=self)
        context = {"usages": usages([c.pk for c in page])}
        return paginator.get_paginated_response(
            ConfigurationOutputSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        request=ConfigurationInputSerializer,
        responses={201: ConfigurationOutputSerializer},
        summary="Create an event configuration",
        examples=[OpenApiExample("Rule-based purchase", value=PURCHASE_EXAMPLE, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        try:
            config = services.event_configuration_create(data=request.data)
        except services.EventConfigurationInvalid as exc:
            return _invalid(exc)
        return Response(ConfigurationOutputSerializer(config).data, status=status.HTTP_201_CREATED)


class ConfigurationDetailApi(APIView):
    @extend_schema(
        responses=ConfigurationOutputSerializer, summary="Retrieve an event configuration"
    )
    def get(self, request: Request, pk: int) -> Response:
        config = get_object_or_404(EventConfiguration, pk=pk)
        return Response(ConfigurationOutputSerializer(config).data)

    @extend_schema(
        request=ConfigurationInputSerializer,
        responses=ConfigurationOutputSerializer,
        summary="Replace an event configuration",
    )
    def put(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=False)

    @extend_schema(
        request=ConfigurationInputSerializer(partial=True),
        responses=ConfigurationOutputSerializer,
        summary="Change some keys of an event configuration",
    )
    def patch(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=True)

    @extend_schema(
        responses={204: None},
        summary="Delete an event configuration (refused while a journey uses it)",
    )
    def delete(self, request: Request, pk: int) -> Response:
        config = get_object_or_404(EventConfiguration, pk=pk)
        try:
            services.event_configuration_delete(config=config)
        except services.EventConfigurationInvalid as exc:
            return _invalid(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request: Request, pk: int, *, partial: bool) -> Response:
        config = get_object_or_404(EventConfiguration, pk=pk)
        if not isinstance(request.data, dict):
            return error_response(
                [{"field": "non_field_errors", "message": "must be a JSON object"}]
            )
        try:
            config = services.event_configuration_update(
                config=config, data=request.data, partial=partial
            )
        except services.EventConfigurationInvalid as exc:
            return _invalid(exc)
        return Response(ConfigurationOutputSerializer(config).data)


class EventOutputSerializer(serializers.ModelSerializer):
    _id = serializers.CharField(source="external_id", allow_null=True)
    matched = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "id",
            "_id",
            "status",
            "reason",
            "matched",
            "profile",
            "payload",
            "occurred_at",
            "received_at",
        ]

    def get_matched(self, event: Event) -> list[str]:
        return [match.configuration.name for match in event.matches.all()]


IngestResultSerializer = inline_serializer(
    "EventIngestResults",
    fields={
        "results": inline_serializer(
            "EventIngestResult",
            fields={
                "_id": serializers.CharField(allow_null=True),
                "status": serializers.ChoiceField(choices=Event.Status.choices),
                "matched": serializers.ListField(child=serializers.CharField()),
                "reason": serializers.CharField(
                    allow_null=True,
                    help_text="e.g. no_matching_configuration, invalid_type:amount, missing_field:email, unknown_event_id",
                ),
            },
            many=True,
        )
    },
)


class EventsApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("configuration", str, description="Configuration id or name"),
            OpenApiParameter("status", str, enum=Event.Status.values),
            OpenApiParameter("profile", int),
        ],
        responses=EventOutputSerializer(many=True),
        summary="The event log, newest first",
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        config_id = None
        if params.get("configuration"):
            raw = params["configuration"]
            config = EventConfiguration.objects.filter(
                **({"pk": raw} if raw.isdigit() else {"name": raw})
            ).first()
            config_id = config.pk if config else -1
        profile = params.get("profile")
        events = selectors.event_list(
            configuration_id=config_id,
            status=params.get("status") or None,
            profile_id=int(profile) if profile and profile.isdigit() else None,
        )
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(events, request, view=self)
        return paginator.get_paginated_response(EventOutputSerializer(page, many=True).data)

    @extend_schema(
        request={"application/json": OpenApiTypes.ANY},
        responses={202: IngestResultSerializer},
        summary="Send one event object or a list of up to 1,000",
        description=(
            "An event object is its payload; optional reserved keys `_id` (dedupe key: the same `_id` "
            "is processed once) and `timestamp` (ISO 8601; default: reception time); `eventID` for "
            "system-generated events. Every item is stored before the answer, with its own status. "
            "Malformed JSON: 400. Body over 1 MB: 413."
        ),
        examples=[
            OpenApiExample(
                "A purchase",
                value={
                    "_id": "order-1001",
                    "email": "ana@example.com",
                    "purchaseMessage": "thank you",
                    "product": "Trail running shoes",
                    "amount": 89.9,
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        items, problem = _read_events(request)
        if problem is not None:
            return problem
        results = services.events_ingest(items=items)
        return Response(
            {"results": [result.as_dict() for result in results]}, status=status.HTTP_202_ACCEPTED
        )


def _read_events(request: Request) -> tuple[list[Any], Response | None]:
    """The event objects of the body, or the 4xx answer (413 over 1 MB, 400 malformed)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    too_big = error_response(
        [
            {
                "field": "body",
                "message": f"payload too large: at most {limit // 1024} KB per request",
            }
        ],
        status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    )
    try:
        if int(request.META.get("CONTENT_LENGTH") or 0) > limit:
            return [], too_big
        body = request._request.body
    except (RequestDataTooBig, ValueError):
        return [], too_big
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        return [], error_response([{"field": "body", "message": f"malformed JSON: {exc}"}])
    if isinstance(data, dict):
        return [data], None
    if not isinstance(data, list):
        return [], error_response(
            [{"field": "body", "message": "must be an event object or a list of them"}]
        )
    if not data:
        return [], error_response(
            [{"field": "body", "message": "empty list: send at least one event"}]
        )
    if len(data) > services.MAX_BATCH:
        return [], error_response(
            [
                {
                    "field": "body",
                    "message": f"at most {services.MAX_BATCH} events per request (got {len(data)})",
                }
            ]
        )
    return data, None
