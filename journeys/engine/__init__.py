"""The journey engine: runs, steps, timers, entries, races, lifecycle. See docs/architecture.md.

Public entry points (import the module, call the function):

- `entries.enter_profiles(plan=, profile_ids=, context=)` — enter profiles now (test mode's
  "enter test profiles", jumps, every entry type);
- `entries.audience_read_create(...)`, `entries.audience_reads_sweep(now=)`;
- `races.events_received(events)`, `races.reactions_received([(run_id, node_id, channel, kind), …])`;
- `timers.timers_sweep(now=)`, `timers.expire_runs_sweep(now=)`, `timers.exit_runs(...)`;
- `qualification.profiles_changed(profile_ids)`;
- `lifecycle.version_published/version_stopped/version_closed/test_started/test_stopped`;
- `history` — selectors: a profile's runs with steps, a version's counts.
- `plan.plan_for(version)` — a version as the engine reads it.
"""
