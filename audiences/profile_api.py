"""Profiles API (contract: ../shared/API.md, "Profiles"). Thin views over
`audiences.services.profiles` and `audiences.selectors.profiles`. The nested serializers
document the shapes in the OpenAPI schema; validation is the service's (one path for API,
batch and CSV)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import error_response

from .models import Profile
from .selectors import profiles as selectors
from .services.profile_input import FieldError
from .services.profiles import (
    MAX_BATCH,
    ProfileInputError,
    profile_delete,
    profile_update,
    profile_upsert,
    profiles_upsert_batch,
)

EXAMPLE = {
    "identities": {"email": "ana@example.com", "crm_id": "C-17"},
    "attributes": {
        "first_name": "Ana",
        "city": "Atlanta",
        "birth_year": 1985,
        "timezone": "America/New_York",
    },
    "push_tokens": ["device-token-1"],
    "phone": "+14045550100",
    "consent": {"email": True, "push": True, "sms": False},
    "is_test": False,
}


class AttributesSerializer(serializers.Serializer):
    first_name = serializers.CharField(required=False, allow_null=True, max_length=100)
    last_name = serializers.CharField(required=False, allow_null=True, max_length=100)
    city = serializers.CharField(required=False, allow_null=True, max_length=100)
    birth_year = serializers.IntegerField(required=False, allow_null=True, min_value=1900)
    timezone = serializers.CharField(
        required=False, allow_null=True, help_text="IANA name, e.g. Europe/Paris."
    )


class ConsentSerializer(serializers.Serializer):
    email = serializers.BooleanField(required=False)
    push = serializers.BooleanField(required=False)
    sms = serializers.BooleanField(required=False)


class ProfileInputSerializer(serializers.Serializer):
    identities = serializers.DictField(
        child=serializers.CharField(),
        help_text="namespace → value; at least one (email, crm_id, phone, or any slug). "
        "The profile is matched on any of them; emails are stored lower-case.",
    )
    attributes = AttributesSerializer(
        required=False,
        help_text="Typed core attributes; any other key is a custom attribute (JSON value, null removes it).",
    )
    push_tokens = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Added to the profile's device tokens.",
    )
    phone = serializers.CharField(
        required=False, allow_blank=True, help_text="E.164, e.g. +14045550100."
    )
    consent = ConsentSerializer(required=False)
    is_test = serializers.BooleanField(required=False)


class ProfilePatchSerializer(ProfileInputSerializer):
    identities = serializers.DictField(child=serializers.CharField(), required=False)
    push_tokens = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Replaces the device tokens."
    )


class ProfileOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    identities = serializers.DictField(child=serializers.CharField())
    attributes = serializers.DictField(help_text="Core and custom attributes.")
    push_tokens = serializers.ListField(child=serializers.CharField())
    phone = serializers.CharField()
    consent = ConsentSerializer()
    is_test = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class BatchOutputSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Profiles created.")
    updated = serializers.IntegerField(help_text="Existing profiles changed.")
    unchanged = serializers.IntegerField(help_text="Existing profiles the items did not change.")
    ids = serializers.ListField(
        child=serializers.IntegerField(), help_text="Profile id of each item, in order."
    )
    errors = serializers.ListField(
        child=serializers.DictField(),
        help_text="Always empty on success: a bad item refuses the batch (400).",
    )


ERRORS = inline_serializer(
    "Errors",
    {
        "errors": serializers.ListField(
            child=inline_serializer(
                "FieldError", {"field": serializers.CharField(), "message": serializers.CharField()}
            )
        )
    },
)


class ProfilePagination(CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 500


def _refused(exc: ProfileInputError) -> Response:
    return error_response([e.as_dict() for e in exc.errors])


@extend_schema(
    tags=["profiles"],
    methods=["POST"],
    request=ProfileInputSerializer,
    responses={201: ProfileOutputSerializer, 200: ProfileOutputSerializer, 400: ERRORS},
    examples=[OpenApiExample("Ana", value=EXAMPLE, request_only=True)],
    summary="Upsert one profile, matched on any of its identities",
)
@extend_schema(
    tags=["profiles"],
    methods=["GET"],
    parameters=[
        OpenApiParameter(
            "identity", str, description="Look-up `namespace:value`, e.g. `email:ana@example.com`."
        ),
        OpenApiParameter("city", str),
        OpenApiParameter("is_test", bool),
        OpenApiParameter("limit", int, description="Page size (max 500)."),
        OpenApiParameter("cursor", str, description="From `next` / `previous`."),
    ],
    responses={200: ProfileOutputSerializer(many=True), 400: ERRORS},
    summary="List or look up profiles (newest first, cursor-paginated)",
)
@api_view(["GET", "POST"])
def profiles_endpoint(request: Request) -> Response:
    if request.method == "POST":
        try:
            outcome = profile_upsert(data=request.data)
        except ProfileInputError as exc:
            return _refused(exc)
        profile = selectors.profile_get(profile_id=outcome.profile_id)
        code = status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
        return Response(selectors.profile_representation(profile), status=code)
    return _profile_list(request)


def _profile_list(request: Request) -> Response:
    queryset = selectors.profiles_with_identities()
    identity = request.query_params.get("identity")
    if identity is not None:
        namespace, sep, value = identity.partition(":")
        if not sep or not namespace or not value:
            return error_response(
                [
                    FieldError(
                        "identity", "Use namespace:value, e.g. email:ana@example.com."
                    ).as_dict()
                ]
            )
        found = selectors.profile_by_identity(namespace=namespace, value=value)
        queryset = queryset.filter(pk=found.pk if found else -1)
    if city := request.query_params.get("city"):
        queryset = queryset.filter(city=city)
    if (is_test := request.query_params.get("is_test")) is not None:
        if is_test not in ("true", "false"):
            return error_response([FieldError("is_test", "Use true or false.").as_dict()])
        queryset = queryset.filter(is_test=is_test == "true")
    paginator = ProfilePagination()
    page = paginator.paginate_queryset(queryset, request)
    return paginator.get_paginated_response([selectors.profile_representation(p) for p in page])


@extend_schema(
    tags=["profiles"],
    request=ProfileInputSerializer(many=True),
    responses={200: BatchOutputSerializer, 400: ERRORS},
    summary=f"Upsert up to {MAX_BATCH:,} profiles in one transaction",
    description='A list of upsert payloads (or `{"items": [...]}`). One bad item refuses the whole batch, '
    "errors name it: `items[3].attributes.birth_year`.",
)
@api_view(["POST"])
def profiles_batch_endpoint(request: Request) -> Response:
    items = request.data.get("items") if isinstance(request.data, dict) else request.data
    try:
        result = profiles_upsert_batch(items=items)
    except ProfileInputError as exc:
        return _refused(exc)
    return Response(
        {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "ids": result.ids,
            "errors": [],
        }
    )


@extend_schema(
    tags=["profiles"],
    methods=["GET"],
    responses={200: ProfileOutputSerializer, 404: OpenApiTypes.OBJECT},
    summary="One profile",
)
@extend_schema(
    tags=["profiles"],
    methods=["PATCH"],
    request=ProfilePatchSerializer,
    responses={200: ProfileOutputSerializer, 400: ERRORS},
    summary="Change a profile (given parts only; push tokens replaced)",
)
@extend_schema(
    tags=["profiles"],
    methods=["DELETE"],
    responses={204: None},
    summary="Delete a profile and its identities",
)
@api_view(["GET", "PATCH", "DELETE"])
def profile_endpoint(request: Request, profile_id: int) -> Response:
    if request.method == "DELETE":
        if not profile_delete(profile_id=profile_id):
            return Response({"detail": "Profile not found."}, status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)
    if request.method == "PATCH":
        try:
            profile_update(profile_id=profile_id, data=request.data)
        except Profile.DoesNotExist:
            return Response({"detail": "Profile not found."}, status=status.HTTP_404_NOT_FOUND)
        except ProfileInputError as exc:
            return _refused(exc)
    profile = selectors.profile_get(profile_id=profile_id)
    if profile is None:
        return Response({"detail": "Profile not found."}, status=status.HTTP_404_NOT_FOUND)
    return Response(selectors.profile_representation(profile))
