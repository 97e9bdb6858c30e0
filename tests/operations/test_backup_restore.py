"""Backups: a pg_dump of the demo city restores into an empty database with every row.

Runs the same commands docs/operations.md gives (pg_dump -Fc, pg_restore --no-owner) against
two scratch databases made and dropped here, next to the test database.
"""

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.conftest import requires_postgres

ROOT = Path(__file__).resolve().parents[2]
SERVER_URL = os.environ.get("DATABASE_URL", "")

pytestmark = [
    requires_postgres,
    pytest.mark.postgres,
    pytest.mark.skipif(
        not (shutil.which("pg_dump") and shutil.which("pg_restore")),
        reason="pg_dump/pg_restore are not on PATH (install postgresql-client; CI has them)",
    ),
]


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin_connection():
    return psycopg.connect(with_database(SERVER_URL, "postgres"), autocommit=True)


def row_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        tables = [row[0] for row in conn.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'public' and table_type = 'BASE TABLE' order by 1"
        )]
        return {table: conn.execute(f'select count(*) from "{table}"').fetchone()[0] for table in tables}


@pytest.fixture
def scratch_databases():
    names = [f"oshieai_backup_{uuid.uuid4().hex[:8]}", f"oshieai_restore_{uuid.uuid4().hex[:8]}"]
    with admin_connection() as conn:
        for name in names:
            conn.execute(f'create database "{name}"')
    try:
        yield [with_database(SERVER_URL, name) for name in names]
    finally:
        with admin_connection() as conn:
            for name in names:
                conn.execute(f'drop database if exists "{name}" with (force)')


def manage(*args: str, database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "literacy.settings.test"}
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   capture_output=True, text=True, timeout=600)


def test_a_dump_of_the_demo_city_restores_whole(scratch_databases, tmp_path):
    source, target = scratch_databases
    manage("migrate", "--noinput", database_url=source)
    manage("seed_demo", database_url=source)
    before = row_counts(source)
    assert before["scheduling_booking"] > 0 and before["people_learner"] > 0 and before["scheduling_lesson"] > 0

    dump = tmp_path / "oshieai.dump"
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", source], check=True, timeout=600)
    subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={target}", str(dump)],
                   check=True, timeout=600)

    assert row_counts(target) == before
    # The restored database is one Django accepts as it is: no migration left to apply.
    manage("migrate", "--check", database_url=target)
    with psycopg.connect(target) as conn:
        constraint = conn.execute(
            "select 1 from pg_constraint where conname = 'lesson_volunteer_no_overlap'"
        ).fetchone()
    assert constraint is not None  # the exclusion constraint came back too
