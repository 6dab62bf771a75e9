"""The execution engine (runs, steps, timers). See lifecycle.py for the hooks the journeys
services call when a version is published, stopped or closed."""
