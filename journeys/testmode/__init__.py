"""Test mode: try a draft with test profiles before publishing it (issue 7).

- services.py  — journey_test_start / journey_test_stop, journey_test_enter (read audience, business event),
                 journey_test_trigger_event (the real ingestion path), journey_test_reaction (simulated open/click)
- selectors.py — the test profiles to pick from, a test run's log and its lit path (flow)
- forms.py     — the "Trigger an event" form generated from an event configuration's fields
- api.py / views.py / urls.py — the contract's `/test/…` endpoints and the canvas's test dock
"""
