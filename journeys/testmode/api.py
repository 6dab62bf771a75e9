"""Test mode API (contract: ../shared/API.md, `/journeys/{id}/test/…`), thin views over the
services. Extensions beyond the contract: `GET …/test/` (the state), `POST …/test/events/`
(trigger an event for a test profile) and `POST …/test/reactions/` (simulate an open/click)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import error_response
from journeys.models import Journey, VersionStatus
from journeys.selectors import open_version
from journeys.services.errors import JourneyServiceError

from . import services
from .selectors import run_log


def _refused(exc: JourneyServiceError) -> Response:
    return error_response(exc.as_errors(), exc.status)


def _body(request: Request) -> dict[str, Any] | None:
    return request.data if isinstance(request.data, dict) else None


def _not_object() -> Response:
    return error_response([{"field": "non_field_errors", "message": "a JSON object"}])


def journey_test_state(journey: Journey) -> dict[str, Any]:
    version = open_version(journey)
    enabled = version is not None and version.status == VersionStatus.TEST
    return {
        "enabled": enabled,
        "wait_seconds": version.test_wait_seconds if enabled else None,
        "status": version.status if version else None,
        "version": version.number if version else None,
    }


STATE = inline_serializer(
    "TestModeState",
    {
        "enabled": serializers.BooleanField(),
        "wait_seconds": serializers.IntegerField(allow_null=True),
        "status": serializers.CharField(allow_null=True),
        "version": serializers.IntegerField(allow_null=True),
    },
)


class TestModeApi(APIView):
    __test__ = False

    @extend_schema(responses=STATE, summary="Test mode state")
    def get(self, request: Request, pk: int) -> Response:
        return Response(journey_test_state(get_object_or_404(Journey, pk=pk)))

    @extend_schema(
        summary="Switch test mode on or off",
        description="On: only a valid draft; only test profiles enter; every wait and "
        "event/reaction timeout lasts `wait_seconds` (1–3600, default 10). Off: the draft is "
        "editable again and its test runs and test report data are deleted.",
        request=inline_serializer(
            "TestModeInput",
            {
                "enabled": serializers.BooleanField(),
                "wait_seconds": serializers.IntegerField(required=False),
            },
        ),
        responses=STATE,
        examples=[
            OpenApiExample("On", value={"enabled": True, "wait_seconds": 10}, request_only=True)
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        journey = get_object_or_404(Journey, pk=pk)
        body = _body(request)
        if body is None:
            return _not_object()
        enabled = body.get("enabled")
        if not isinstance(enabled, bool):
            return error_response([{"field": "enabled", "message": "true or false"}])
        try:
            if enabled:
                services.journey_test_start(
                    journey=journey, wait_seconds=body.get("wait_seconds"), user=request.user
                )
            else:
                services.journey_test_stop(journey=journey, user=request.user)
        except JourneyServiceError as exc:
            return _refused(exc)
        return Response(journey_test_state(journey))


class TestEnterApi(APIView):
    __test__ = False

    @extend_schema(
        summary="Enter test profiles (read-audience and business-event journeys)",
        description="`profiles`: 1–100 test profile ids; empty or absent: the test profiles of "
        "the entry's audience (up to 100).",
        request=inline_serializer(
            "TestEnterInput", {"profiles": serializers.ListField(child=serializers.IntegerField())}
        ),
        responses=inline_serializer(
            "TestEnterResult",
            {
                "entered": serializers.IntegerField(),
                "profiles": serializers.ListField(child=serializers.IntegerField()),
                "refused": serializers.DictField(child=serializers.IntegerField()),
            },
        ),
    )
    def post(self, request: Request, pk: int) -> Response:
        journey = get_object_or_404(Journey, pk=pk)
        body = _body(request) if request.data else {}
        if body is None:
            return _not_object()
        try:
            result = services.journey_test_enter(journey=journey, profile_ids=body.get("profiles"))
        except JourneyServiceError as exc:
            return _refused(exc)
        return Response(
            {"entered": result.entered, "profiles": result.requested, "refused": result.refused}
        )


class TestProfileApi(APIView):
    __test__ = False

    @extend_schema(
        summary="A test profile's run: steps in order, status, errors",
        responses=inline_serializer(
            "TestRun",
            {
                "profile": serializers.IntegerField(),
                "status": serializers.CharField(
                    help_text="active | finished | exited | error | not_entered"
                ),
                "node": serializers.CharField(allow_null=True),
                "steps": serializers.ListField(child=serializers.DictField()),
                "context": serializers.DictField(),
                "errors": serializers.ListField(child=serializers.DictField()),
                "messages": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    def get(self, request: Request, pk: int, profile_id: int) -> Response:
        from audiences.models import Profile

        journey = get_object_or_404(Journey, pk=pk)
        get_object_or_404(Profile, pk=profile_id)
        try:
            version = services.journey_test_version(journey)
        except JourneyServiceError as exc:
            return _refused(exc)
        return Response(run_log(version, profile_id).as_api())


class TestEventApi(APIView):
    __test__ = False

    @extend_schema(
        summary="Trigger an event for a test profile (through the real ingestion path)",
        request=inline_serializer(
            "TestEventInput",
            {
                "event": serializers.CharField(),
                "profile": serializers.IntegerField(required=False),
                "payload": serializers.DictField(),
            },
        ),
        responses=inline_serializer(
            "TestEventResult", {"results": serializers.ListField(child=serializers.DictField())}
        ),
    )
    def post(self, request: Request, pk: int) -> Response:
        journey = get_object_or_404(Journey, pk=pk)
        body = _body(request)
        if body is None:
            return _not_object()
        profile = body.get("profile")
        if profile is not None and (isinstance(profile, bool) or not str(profile).isdigit()):
            return error_response([{"field": "profile", "message": "a profile id"}])
        try:
            results = services.journey_test_trigger_event(
                journey=journey,
                event=str(body.get("event") or ""),
                payload=body.get("payload", {}),
                profile_id=int(profile) if profile is not None else None,
            )
        except JourneyServiceError as exc:
            return _refused(exc)
        return Response({"results": results}, status=202)


class TestReactionApi(APIView):
    __test__ = False

    @extend_schema(
        summary="Simulate an open or a click of a test message",
        request=inline_serializer(
            "TestReactionInput",
            {
                "message": serializers.IntegerField(),
                "kind": serializers.ChoiceField(["opened", "clicked"]),
            },
        ),
        responses=inline_serializer("TestReactionResult", {"first": serializers.BooleanField()}),
    )
    def post(self, request: Request, pk: int) -> Response:
        journey = get_object_or_404(Journey, pk=pk)
        body = _body(request)
        if body is None:
            return _not_object()
        try:
            first = services.journey_test_reaction(
                journey=journey, message_id=body.get("message"), kind=str(body.get("kind") or "")
            )
        except JourneyServiceError as exc:
            return _refused(exc)
        return Response({"first": first})
