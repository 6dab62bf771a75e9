"""Models of `journeys`, one module per part:

- `definition.py` — Journey, JourneyVersion (the canvas, versions, publishing)
- `channels.py`   — Message (the outbox), Reaction, CustomAction, Unsubscribe
- `engine.py`     — Run, Step, Timer (execution)
"""

from .channels import *  # noqa: F403
from .definition import *  # noqa: F403
from .engine import *  # noqa: F403
