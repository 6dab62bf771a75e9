"""REST API of the channels (contract: ../shared/API.md, "Messages and reactions").

`GET /api/v1/messages/?profile=<id>` lists a profile's messages, newest first, with their status
and reactions; more filters: channel, status, run, journey_version, is_test.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from journeys.models import Channel, MessageStatus

from .selectors import MessageFilters, message_list, message_summary


class MessageListApi(APIView):
    class FilterSerializer(serializers.Serializer):
        profile = serializers.IntegerField(required=False, min_value=1)
        channel = serializers.ChoiceField(choices=Channel.choices, required=False)
        status = serializers.ChoiceField(choices=MessageStatus.choices, required=False)
        run = serializers.IntegerField(required=False, min_value=1)
        journey_version = serializers.IntegerField(required=False, min_value=1)
        is_test = serializers.BooleanField(required=False, allow_null=True, default=None)

    class ReactionSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MessageReaction"

        kind = serializers.CharField()
        count = serializers.IntegerField()
        first_at = serializers.DateTimeField()
        last_at = serializers.DateTimeField()
        url = serializers.CharField()

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "Message"

        id = serializers.IntegerField()
        key = serializers.CharField()
        channel = serializers.CharField()
        profile = serializers.IntegerField(source="profile_id")
        status = serializers.CharField()
        reason = serializers.CharField()
        attempts = serializers.IntegerField()
        summary = serializers.SerializerMethodField()
        run_id = serializers.IntegerField(allow_null=True)
        node_id = serializers.CharField()
        journey_version_id = serializers.IntegerField(allow_null=True)
        is_test = serializers.BooleanField()
        provider_id = serializers.CharField()
        created_at = serializers.DateTimeField()
        sent_at = serializers.DateTimeField(allow_null=True)
        next_attempt_at = serializers.DateTimeField()
        reactions = serializers.SerializerMethodField()

        def get_summary(self, message) -> str:
            return message_summary(message)

        def get_reactions(self, message) -> list[dict]:
            return MessageListApi.ReactionSerializer(message.reactions.all(), many=True).data

    @extend_schema(
        summary="List messages (a profile's messages with status and reactions)",
        parameters=[
            OpenApiParameter("profile", int, description="Profile id"),
            OpenApiParameter("channel", str, enum=Channel.values),
            OpenApiParameter("status", str, enum=MessageStatus.values),
            OpenApiParameter("run", int, description="Journey run id"),
            OpenApiParameter("journey_version", int),
            OpenApiParameter("is_test", bool),
        ],
        responses=inline_serializer(
            "PaginatedMessageList",
            {
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": OutputSerializer(many=True),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        params = self.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        messages = message_list(
            filters=MessageFilters(
                profile_id=data.get("profile"),
                channel=data.get("channel", ""),
                status=data.get("status", ""),
                run_id=data.get("run"),
                journey_version_id=data.get("journey_version"),
                is_test=data.get("is_test"),
            )
        )
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(messages, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)
