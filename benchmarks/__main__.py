"""`python -m benchmarks [name ...]`: run the benchmarks on a dedicated PostgreSQL database.

Each module `benchmarks/bench_<name>.py` has `run(report)`, calling `report(name, value, unit)`
per figure. The database is `sentier_bench` (created and migrated here) unless BENCH_DATABASE_URL
says otherwise.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from pathlib import Path

import psycopg

BENCH_DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sentier_bench")


def _ensure_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone():
            conn.execute(f'create database "{name}"')


def report(name: str, value: float, unit: str) -> None:
    shown = f"{value:.1f}" if isinstance(value, float) else str(value)
    print(f"bench {name}: {shown} {unit}", flush=True)


def main(argv: list[str]) -> int:
    os.environ["DATABASE_URL"] = BENCH_DB
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    _ensure_database(BENCH_DB)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    wanted = set(argv)
    names = sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_")
    )
    for module_name in names:
        short = module_name.removeprefix("bench_")
        if wanted and short not in wanted:
            continue
        module = importlib.import_module(f"benchmarks.{module_name}")
        print(
            f"# {short}: {(module.__doc__ or '').strip().splitlines()[0] if module.__doc__ else ''}",
            file=sys.stderr,
        )
        module.run(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
