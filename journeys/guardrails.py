"""Journey guardrails (the product's limits), in one place for validation, canvas and engine."""

import datetime as dt

MAX_ACTIVITIES = 50
MAX_WAIT = dt.timedelta(days=90)
MIN_WAIT = dt.timedelta(seconds=1)
MIN_TIMEOUT = dt.timedelta(seconds=40)
MAX_TIMEOUT = dt.timedelta(days=90)
JOURNEY_TIMEOUT = dt.timedelta(days=91)  # a run still active this long after entry times out
MIN_RATE, MAX_RATE, DEFAULT_RATE = 500, 20_000, 5_000  # read-audience profiles per second
DEFAULT_REENTRANCE_WAIT = dt.timedelta(minutes=5)
MAX_REENTRANCE_WAIT = dt.timedelta(days=91)
MAX_PATHS = 10  # condition paths, split branches
