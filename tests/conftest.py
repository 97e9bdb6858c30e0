"""Shared fixtures: a fixed clock and a small world (a city with a venue, a topic, a volunteer)."""

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, connections
from django.db.backends.signals import connection_created

from tests import factories

TOKYO = ZoneInfo("Asia/Tokyo")
# A Monday in an ordinary week (no public holidays nearby): 2026-12-07 08:00 in Tokyo.
NOW = dt.datetime(2026, 12, 7, 8, 0, tzinfo=TOKYO)


@pytest.fixture
def clock():
    """Freeze time at NOW (movable with clock.move_to / clock.shift)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def municipality(db):
    return factories.MunicipalityFactory(jis_code="402109", name="八女市", name_en="Yame", slug="yame")


@pytest.fixture
def district(municipality):
    return factories.DistrictFactory(municipality=municipality, name="旧八女市", senior_population=12000)


@pytest.fixture
def venue(municipality, district):
    return factories.VenueFactory(municipality=municipality, district=district, name="八女市中央公民館")


@pytest.fixture
def topic(municipality):
    return factories.TopicFactory(municipality=municipality, slug="line", name="LINEの使い方", name_en="Using LINE")


@pytest.fixture
def volunteer(municipality, topic, venue, district):
    volunteer = factories.VolunteerFactory(municipality=municipality, topics=[topic])
    volunteer.districts.add(district)
    volunteer.venues.add(venue)
    return volunteer


@pytest.fixture
def coordinator(municipality):
    return factories.CoordinatorFactory(municipality=municipality, email="coord@example.jp")


class JoinedRowLocked(AssertionError):
    """A FOR UPDATE over a join, without OF: it would lock the joined rows too."""


def refuse_lock_of_joined_rows(execute, sql, params, many, context):
    """Fail any statement that takes FOR UPDATE over a join without saying whose rows it locks.

    PostgreSQL's FOR UPDATE locks a row of every table in the FROM clause. The joins often come
    unasked: `.first()` orders by the model's Meta.ordering, which for a learner or a kiosk
    follows the municipality. Locking the municipality's row that way made every kiosk booking
    in a city wait for the one before it, and blocked the foreign-key checks of anything else
    written for that city meanwhile. A lock names its own table: select_for_update(of=("self",)),
    or a query without the join. (SQLite has no FOR UPDATE, so this speaks on PostgreSQL.)"""
    if "FOR UPDATE" in sql and " JOIN " in sql and "FOR UPDATE OF" not in sql and "FOR NO KEY UPDATE OF" not in sql:
        raise JoinedRowLocked(f"FOR UPDATE over a join locks the joined rows too; use of=('self',): {sql[:300]}")
    return execute(sql, params, many, context)


def _guard_connection(sender, connection, **kwargs) -> None:
    if refuse_lock_of_joined_rows not in connection.execute_wrappers:
        connection.execute_wrappers.append(refuse_lock_of_joined_rows)


@pytest.fixture(autouse=True, scope="session")
def locks_name_their_rows():
    """Every database connection of the run, threads' and servers' in-process ones included."""
    connection_created.connect(_guard_connection)
    for each in connections.all():
        _guard_connection(None, each)
    yield
    connection_created.disconnect(_guard_connection)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


requires_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")),
    reason="needs PostgreSQL: run with DATABASE_URL=postgres://… (CI does)",
)


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def sync_playwright() -> Iterator:
    """Playwright's sync API, closing the database connections the test used while it ran.

    While it is open, Playwright marks an asyncio loop as running in this thread, and Django then
    keeps this thread's database connections apart from the usual ones (they are thread-critical
    locals, kept per context under a running loop). Whatever the test and its fixtures did in the
    database meanwhile went through a connection that nothing else closes: left open, it outlives
    the test and PostgreSQL refuses to drop the test database at the end of the run."""
    from playwright.sync_api import sync_playwright as playwright_sync_api

    with playwright_sync_api() as playwright:
        try:
            yield playwright
        finally:
            connections.close_all()


@pytest.fixture
def admin_user(db, django_user_model, django_username_field):
    """pytest-django's superuser, with two-factor authentication on: the admin lets no one in without it."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = django_user_model.objects.create_superuser(email="admin@example.com", password="password")
    TOTP.activate(user, generate_totp_secret())
    return user
