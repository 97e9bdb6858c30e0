"""Booking over HTTP under load: gunicorn with two workers on the test database, 40 kiosks at once.

Half the kiosks race for the same times (an instant one-to-one time only one volunteer can take,
the last two seats of a class), the other half book times of their own, and some double-click
(the same Idempotency-Key twice at the same moment). Exactly-once, in the database: one winner
per contested time, no volunteer double-booked, no class oversold, one booking per key, every
loser a 409 in the documented shape, and no 5xx. The load driver is bench/http_load.py, the same
one `make bench` measures with.

Needs PostgreSQL: this is about its guards (the lesson's row lock, the exclusion constraint, the
unique keys) with many server processes and threads at once. On SQLite every writer waits for one
database lock instead; tests/scheduling/test_concurrency.py races threads there.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection

from bench.http_load import CLASS_SEATS_LEFT, check_outcomes, prepare_world, run_bookings
from bench.web_server import WebServer, database_url_from_settings
from tests.conftest import requires_postgres

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLIENTS = 40
PER_CLIENT = 4  # racers: 2 one-to-one times and 2 classes each; the others: 4 times of their own


def database_url_for_servers() -> str:
    """The pytest database (test_<name>), for the server processes to use as well."""
    return database_url_from_settings(connection.settings_dict)


@pytest.fixture
def web_server():
    # Two workers of eight threads each: sixteen bookings in flight at once. With two
    # single-threaded workers no more than two requests ever overlap, and two racers for the last
    # two seats fit even without the lesson's row lock (tried: the test still passed); with
    # sixteen, taking that lock away oversells the classes (9 and 8 of 6 seats) and dropping the
    # exclusion constraint gives one volunteer 7 and 10 lessons at one time.
    with WebServer(database_url=database_url_for_servers(), settings="literacy.settings.test",
                   workers=2, threads=8) as server:
        yield server


def test_concurrent_kiosks_book_exactly_once_over_http(municipality, web_server):
    world = prepare_world(municipality=municipality, clients=CLIENTS, per_client=PER_CLIENT)

    result = run_bookings(web_server.base_url, world)

    checks = check_outcomes(world, result)
    assert checks.ok, "\n".join(f"{c.name}: {c.detail}" for c in checks.failures())
    # The races really happened: every racer but the winners lost, and was told so.
    racers = CLIENTS // 2
    instant, classes = len(world.instant_contests), len(world.class_contests)
    winners = instant + classes * CLASS_SEATS_LEFT
    double_clicks = sum(a.double_click for attempts in world.plan for a in attempts)
    uncontested = (CLIENTS - racers) * PER_CLIENT
    assert Counter(o.status for o in result.outcomes) == {
        201: winners + uncontested,
        200: double_clicks,  # the second click of each pair replays the first booking
        409: racers * (instant + classes) - winners,
    }


def test_a_server_that_cannot_start_is_reported_with_its_log():
    server = WebServer(database_url=database_url_for_servers(), settings="literacy.settings.no_such_module",
                       start_timeout=30)
    with pytest.raises(RuntimeError, match="gunicorn exited"):
        server.start()
    assert server.process is None or server.process.poll() is not None
