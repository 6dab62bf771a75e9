"""Writes of journeys (house style: keyword-only services; views, API and admin call these).

- journeys.py  — journey_create, journey_update_definition, journey_update_properties, journey_duplicate
- nodes.py     — node_add, node_connect, node_disconnect, node_delete, node_update (canvas)
- lifecycle.py — journey_publish, journey_close, journey_stop, journey_new_version
- errors.py    — why a service refused (DefinitionInvalid 400, NotEditable/RevisionConflict/
                 LifecycleError 409, PermissionRefused 403)
"""

from .errors import (
    DefinitionInvalid,
    JourneyServiceError,
    LifecycleError,
    NotEditable,
    PermissionRefused,
    RevisionConflict,
)
from .journeys import (
    journey_create,
    journey_duplicate,
    journey_update_definition,
    journey_update_properties,
)
from .lifecycle import (
    PERMISSION_REASON,
    can_publish,
    journey_close,
    journey_new_version,
    journey_publish,
    journey_stop,
)
from .nodes import EditResult, node_add, node_connect, node_delete, node_disconnect, node_update

__all__ = [
    "PERMISSION_REASON",
    "DefinitionInvalid",
    "EditResult",
    "JourneyServiceError",
    "LifecycleError",
    "NotEditable",
    "PermissionRefused",
    "RevisionConflict",
    "can_publish",
    "journey_close",
    "journey_create",
    "journey_duplicate",
    "journey_new_version",
    "journey_publish",
    "journey_stop",
    "journey_update_definition",
    "journey_update_properties",
    "node_add",
    "node_connect",
    "node_delete",
    "node_disconnect",
    "node_update",
]
