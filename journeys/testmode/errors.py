"""Why a test-mode service refused. API answers `{"errors": [{"field", "message"}]}`."""

from __future__ import annotations

from journeys.services.errors import JourneyServiceError


class TestModeError(JourneyServiceError):
    """Bad input or a state the request does not apply to; `field` names what is wrong."""

    __test__ = False  # not a pytest class

    def __init__(self, message: str, *, field: str = "non_field_errors", status: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.status = status

    def as_errors(self) -> list[dict]:
        if self.problems:
            return super().as_errors()
        return [{"field": self.field, "message": self.message}]
