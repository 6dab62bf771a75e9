"""REST API for audiences (contract: ../shared/API.md, "Audiences"). Thin views: input is
checked by small serializers, rules by the service (errors name the rule path), reads go
through the selectors. A rejected request changes nothing."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audiences.models import Audience, Profile
from audiences.profile_api import ProfileOutputSerializer
from audiences.rules import PROFILE_FIELDS
from audiences.rules.describe import describe_rule
from audiences.rules.validation import validate_rule
from audiences.selectors.audiences import (
    SAMPLE_SIZE,
    audience_list,
    rule_preview,
)
from audiences.selectors.profiles import profiles_representations
from audiences.services.audiences import (
    AudienceInvalid,
    audience_create,
    audience_delete,
    audience_update,
)
from config.api import error_response

SEED_RULE = {
    "all": [
        {"field": "city", "op": "in", "value": ["Atlanta", "San Francisco", "Seattle"]},
        {"field": "birth_year", "op": "gt", "value": 1980},
    ]
}
NESTED_RULE = {
    "all": [
        {"field": "consent_email", "op": "eq", "value": True},
        {
            "any": [
                {"field": "first_name", "op": "starts_with", "value": "A"},
                {"not": {"field": "city", "op": "eq", "value": "Paris"}},
            ]
        },
        {"field": "birth_year", "op": "between", "value": [1980, 1995]},
    ]
}
RULE_HELP = (
    "A rule: groups `all` / `any` (non-empty lists) and `not` (one child), nested at most 10 deep; "
    "conditions `{field, op, value}` on profile fields (first_name, last_name, city, birth_year, "
    "timezone, phone, consent_email, consent_push, consent_sms, is_test) with ops eq neq in not_in "
    "gt gte lt lte between contains starts_with is_set is_not_set; at most 200 conditions."
)
EXAMPLES = [
    OpenApiExample(
        "Seed audience",
        value={"name": "West coast & Atlanta, born after 1980", "rule": SEED_RULE},
        request_only=True,
    ),
    OpenApiExample(
        "Nested groups",
        value={"name": "Email A-listers", "description": "", "rule": NESTED_RULE},
        request_only=True,
    ),
]
ERROR_EXAMPLE = OpenApiExample(
    "Invalid rule",
    value={"errors": [{"field": "rule.all[1].value", "message": "must be an integer"}]},
    response_only=True,
    status_codes=["400"],
)


class AudienceInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, trim_whitespace=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    rule = serializers.JSONField(help_text=RULE_HELP)


class AudienceOutputSerializer(serializers.ModelSerializer):
    rule_text = serializers.SerializerMethodField(help_text="The rule as a readable sentence.")

    class Meta:
        model = Audience
        fields = ["id", "name", "description", "rule", "rule_text", "created_at", "updated_at"]

    def get_rule_text(self, audience: Audience) -> str:
        return describe_rule(audience.rule, PROFILE_FIELDS)


PREVIEW_RESPONSE = inline_serializer(
    "AudiencePreview",
    {"count": serializers.IntegerField(), "sample": ProfileOutputSerializer(many=True)},
)


def _preview_body(count: int, sample: list[Profile]) -> dict[str, Any]:
    """`{"count", "sample"}`, each sampled profile in the profiles API's representation."""
    return {"count": count, "sample": profiles_representations(profile.pk for profile in sample)}


def _invalid(exc: AudienceInvalid) -> Response:
    return error_response(exc.errors)


class AudienceListApi(APIView):
    @extend_schema(responses=AudienceOutputSerializer(many=True), summary="List audiences")
    def get(self, request: Request) -> Response:
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(audience_list(), request, view=self)
        return paginator.get_paginated_response(AudienceOutputSerializer(page, many=True).data)

    @extend_schema(
        request=AudienceInputSerializer,
        responses={201: AudienceOutputSerializer},
        examples=[*EXAMPLES, ERROR_EXAMPLE],
        summary="Create an audience",
        description="400 names each offending part by its path (`rule.all[1].op`); nothing is saved.",
    )
    def post(self, request: Request) -> Response:
        data = AudienceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            audience = audience_create(**data.validated_data)
        except AudienceInvalid as exc:
            return _invalid(exc)
        return Response(AudienceOutputSerializer(audience).data, status=status.HTTP_201_CREATED)


class AudienceDetailApi(APIView):
    @extend_schema(responses=AudienceOutputSerializer, summary="Retrieve an audience")
    def get(self, request: Request, pk: int) -> Response:
        return Response(AudienceOutputSerializer(get_object_or_404(Audience, pk=pk)).data)

    @extend_schema(
        request=AudienceInputSerializer,
        responses=AudienceOutputSerializer,
        examples=[*EXAMPLES, ERROR_EXAMPLE],
        summary="Replace an audience",
    )
    def put(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=False)

    @extend_schema(
        request=AudienceInputSerializer(partial=True),
        responses=AudienceOutputSerializer,
        examples=[ERROR_EXAMPLE],
        summary="Change some of an audience",
    )
    def patch(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=True)

    @extend_schema(
        responses={204: None},
        summary="Delete an audience (refused while a journey uses it)",
        description="400 names the journeys that read the audience; nothing is deleted.",
    )
    def delete(self, request: Request, pk: int) -> Response:
        try:
            audience_delete(audience=get_object_or_404(Audience, pk=pk))
        except AudienceInvalid as exc:
            return _invalid(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request: Request, pk: int, *, partial: bool) -> Response:
        audience = get_object_or_404(Audience, pk=pk)
        data = AudienceInputSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if not partial:
            values.setdefault("description", "")
        try:
            audience_update(audience=audience, **values)
        except AudienceInvalid as exc:
            return _invalid(exc)
        return Response(AudienceOutputSerializer(audience).data)


class AudiencePreviewApi(APIView):
    @extend_schema(
        responses=PREVIEW_RESPONSE,
        parameters=[
            OpenApiParameter("size", int, description=f"sample size, 0–100 (default {SAMPLE_SIZE})")
        ],
        summary="Count and sample an audience's profiles",
    )
    def get(self, request: Request, pk: int) -> Response:
        audience = get_object_or_404(Audience, pk=pk)
        size = _sample_size(request)
        if size is None:
            return error_response(
                [{"field": "size", "message": "must be an integer from 0 to 100"}]
            )
        return Response(_preview_body(*rule_preview(audience.rule, size=size)))


class RulePreviewApi(APIView):
    @extend_schema(
        request=inline_serializer(
            "RulePreviewInput", {"rule": serializers.JSONField(help_text=RULE_HELP)}
        ),
        responses=PREVIEW_RESPONSE,
        examples=[
            OpenApiExample("Seed rule", value={"rule": SEED_RULE}, request_only=True),
            ERROR_EXAMPLE,
        ],
        summary="Count and sample the profiles of a rule, without saving anything",
    )
    def post(self, request: Request) -> Response:
        rule = request.data.get("rule") if isinstance(request.data, dict) else None
        if rule is None:
            return error_response([{"field": "rule", "message": "required"}])
        errors = [error.as_dict() for error in validate_rule(rule, fields=PROFILE_FIELDS)]
        if errors:
            return error_response(errors)
        return Response(_preview_body(*rule_preview(rule)))


def _sample_size(request: Request) -> int | None:
    raw = request.query_params.get("size", str(SAMPLE_SIZE))
    try:
        size = int(raw)
    except ValueError:
        return None
    return size if 0 <= size <= 100 else None
