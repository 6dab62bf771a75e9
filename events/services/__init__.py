"""Writes of `events`: configurations (`configurations`) and ingestion (`ingestion`)."""

from .configurations import (
    EventConfigurationInvalid,
    configuration_data,
    event_configuration_create,
    event_configuration_delete,
    event_configuration_update,
    event_configuration_validate,
)
from .ingestion import MAX_BATCH, IngestResult, events_ingest

__all__ = [
    "MAX_BATCH",
    "EventConfigurationInvalid",
    "IngestResult",
    "configuration_data",
    "event_configuration_create",
    "event_configuration_delete",
    "event_configuration_update",
    "event_configuration_validate",
    "events_ingest",
]
