"""The payload fields of a configuration as a rule palette (`audiences.rules.FieldSpec`s).

Event-ID conditions use it (fields are payload paths), and journeys use it for conditions on
`event.NAME.X` (see `events.selectors.configuration_palette`). Payload fields have no SQL lookup:
they are evaluated in Python on one payload.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from audiences.rules import FieldSpec


def payload_palette(fields: Iterable[Mapping[str, Any]]) -> dict[str, FieldSpec]:
    """`{"path": FieldSpec(path, type)}` for each declared field (dotted paths kept whole)."""
    return {
        field["path"]: FieldSpec(
            name=field["path"], type=field["type"], label=field["path"], lookup=None
        )
        for field in fields
    }
