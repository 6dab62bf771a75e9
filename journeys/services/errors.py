"""Why a journey service refused: each error carries what to show (message, and for invalid
definitions the validation problems with their paths). Nothing was changed when one is raised."""

from __future__ import annotations

from journeys.activities import Problem


class JourneyServiceError(Exception):
    """Base class; `status` is the HTTP status the API answers with."""

    status = 400

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []

    def as_errors(self) -> list[dict]:
        """The API's error list: `[{"field", "message", "code", "node"}]`."""
        if not self.problems:
            return [{"field": "non_field_errors", "message": self.message}]
        return [
            {
                "field": p.path or "non_field_errors",
                "message": p.message,
                "code": p.code,
                "node": p.node,
            }
            for p in self.problems
        ]


class DefinitionInvalid(JourneyServiceError):
    """Malformed definition (save) or a journey with errors (publish)."""


class NotEditable(JourneyServiceError):
    """The version is not a draft (live, test, closed…): create a new version to change it."""

    status = 409


class RevisionConflict(JourneyServiceError):
    """The draft changed since the caller read it (another tab, another person)."""

    status = 409


class LifecycleError(JourneyServiceError):
    """The transition does not apply to the journey's current state."""

    status = 409


class PermissionRefused(JourneyServiceError):
    """Publishing, stopping and closing need the `journeys.publish_journey` permission."""

    status = 403


CONFLICT_MESSAGE = (
    "This journey was changed in another tab or by someone else since you opened it. "
    "Reload to see the latest version; your last change was not saved."
)
