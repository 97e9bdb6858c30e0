"""`make bench`: generate each data set on a fresh database, run every benchmark, and write
docs/performance.md from what was measured in this run (with the machine and the date).

Each (database, scale) runs in its own process so settings and memory are clean:
  SQLite, city · PostgreSQL, city · PostgreSQL, prefecture (skip with BENCH_SCALES=city).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_BENCH_DB = os.environ.get("BENCH_PG_DB", "oshieai_bench")


def pg_recreate(name: str) -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


def run_suite(label: str, database_url: str, scale: str) -> dict:
    out = OUT / f"{label}.json"
    print(f"\n=== {label}: {scale} on {database_url.split('@')[-1]}", flush=True)
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "literacy.settings.local",
           "DEBUG": "false", "LOG_LEVEL": "WARNING"}
    subprocess.run([sys.executable, "-m", "bench.suite", "--scale", scale, "--out", str(out)],
                   cwd=ROOT, env=env, check=True)
    return json.loads(out.read_text())


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    scales = os.environ.get("BENCH_SCALES", "city,prefecture").split(",")
    runs = {}
    sqlite_file = OUT / "city.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite_file}{suffix}").unlink(missing_ok=True)
    runs["sqlite-city"] = run_suite("sqlite-city", f"sqlite:///{sqlite_file}", "city")
    runs["postgres-city"] = run_suite("postgres-city", pg_recreate(PG_BENCH_DB), "city")
    if "prefecture" in scales:
        runs["postgres-prefecture"] = run_suite("postgres-prefecture", pg_recreate(PG_BENCH_DB), "prefecture")
    write_report(runs)


BEGIN, END = "<!-- make bench: begin -->", "<!-- make bench: end -->"


def replace_section(document: str, section: str) -> str:
    """Put this run's tables between the markers, leaving the rest of the page (written by hand
    or by the single benchmarks, e.g. bench/dispatcher.py) as it is."""
    block = f"{BEGIN}\n{section.rstrip()}\n{END}\n"
    if BEGIN in document and END in document:
        head, rest = document.split(BEGIN, 1)
        return head + block + rest.split(END, 1)[1].lstrip("\n")
    return document.rstrip() + "\n\n" + block


def _memory_gib() -> int:
    return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)


def _postgres_version() -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://")) as conn:
        return "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0].split()[0]


def _commit() -> str:
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return result.stdout.strip() or "unknown"


def python_speed_ms() -> float:
    """A fixed pure-Python loop, best of five, in ms: how fast this machine runs Python. The
    ratios compare figures within one run; this compares runs on machines of different speed
    (the absolute targets, feed and dashboard, move with it)."""
    import timeit

    return min(timeit.repeat("sum(i * i for i in range(1_000_000))", number=1, repeat=5)) * 1000


def write_report(runs: dict) -> None:
    from bench.report import render

    machine = (f"{platform.machine()}, {os.cpu_count()} cores, {_memory_gib()} GiB, Python "
               f"{platform.python_version()} (a fixed loop of a million squares: {python_speed_ms():.0f} ms), "
               f"{_postgres_version()}, commit {_commit()}, load average {os.getloadavg()[0]:.1f} at the end")
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = render(runs=runs, machine=machine, date=when)
    target = ROOT / "docs" / "performance.md"
    target.write_text(replace_section(target.read_text() if target.exists() else "# Performance\n", text))
    print(f"\nWrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
