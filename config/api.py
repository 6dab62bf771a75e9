"""API conventions shared by every app: the error body names each offending field by its path."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def flatten_errors(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """Turn DRF's nested error detail into `[{"field": "rule.all[1].op", "message": ...}]`."""
    out: list[dict[str, str]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == "non_field_errors":
                child = prefix
            elif prefix:
                child = f"{prefix}.{key}"
            else:
                child = str(key)
            out.extend(flatten_errors(value, child))
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            out.extend({"field": prefix or "non_field_errors", "message": str(m)} for m in detail)
        else:
            for index, value in enumerate(detail):
                if value:
                    out.extend(flatten_errors(value, f"{prefix}[{index}]"))
    else:
        out.append({"field": prefix or "non_field_errors", "message": str(detail)})
    return out


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        response.data = {"errors": flatten_errors(exc.detail)}
    return response


def error_response(
    errors: list[dict[str, str]], code: int = status.HTTP_400_BAD_REQUEST
) -> Response:
    """A 4xx answer in the house shape: `{"errors": [{"field", "message"}]}`."""
    return Response({"errors": errors}, status=code)
