"""Benchmarks: `make bench` runs every `benchmarks/bench_*.py` module's `run()` on PostgreSQL
and prints one line per figure: `bench <name>: <value> <unit>`. They never fail on speed."""
