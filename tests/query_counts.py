"""Pinning how many queries one request runs, for the tests in tests/<app>/test_query_counts.py.

Each of those modules builds its data at every size in SIZES and has two tables with the same keys,
"<METHOD> <route name>" (and a word or two when one route has several cases):
  CASES  — the request to count (and the requests that lead up to it, not counted);
  PINNED — the exact number of queries it runs, the same at every size (a dict by database vendor
           where PostgreSQL does in one query what SQLite needs two for, e.g. the median).
An N+1 shows up as a count that grows with the size. A pin that is exact also fails when a page
gets cheaper, so the table is updated on purpose and never left loose.
tests/core/test_query_count_coverage.py reads the PINNED tables and fails for a route in none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

# "Few" and "many" of every related row a page lists (lessons, bookings, offers, volunteers…).
SIZES = (2, 8)


def route_of(key: str) -> str:
    """The route name of a PINNED key: "POST kiosk:confirm asking-volunteers" → "kiosk:confirm"."""
    method, name, *_case = key.split(" ")
    assert method in {"GET", "POST"} and name, f"a PINNED key reads '<METHOD> <route name>[ <case>]', not {key!r}"
    return name


@dataclass(frozen=True)
class Case:
    """One request to count. `before(world)` leads up to it (not counted); `send(world)` sends it."""

    send: Callable[[Any], Any]
    before: Callable[[Any], object] = lambda world: None
    status: int = 200


def _value(value, world):
    return value(world) if callable(value) else value


def url(route: str, args=()) -> Callable[[Any], str]:
    """The address of a route; `args` may be a function of the world (a pk made by the fixture)."""
    return lambda world: reverse(route, args=_value(args, world))


def get(route: str, *, args=(), query=None, before=None, status: int = 200, client: str = "client",
        **client_kwargs) -> Case:
    """A GET of `route` by the world's `client` (another attribute of the world when named)."""
    address = url(route, args)
    return Case(send=lambda w: getattr(w, client).get(address(w), _value(query, w) or {}, **client_kwargs),
                before=before or (lambda w: None), status=status)


def post(route: str, data=None, *, args=(), before=None, status: int = 302, client: str = "client",
         **client_kwargs) -> Case:
    """A POST of `data` (or of `data(world)`) to `route`, by the world's `client`."""
    address = url(route, args)
    return Case(send=lambda w: getattr(w, client).post(address(w), _value(data, w) or {}, **client_kwargs),
                before=before or (lambda w: None), status=status)


def assert_pinned(key: str, *, cases: dict[str, Case], pinned: dict[str, int], world) -> None:
    """Run case `key` in `world` and assert its status and its exact query count. The failure
    message lists the statements, so a new N+1 can be read off it."""
    assert key in cases and key in pinned, f"{key}: every key needs both a case and a pinned count"
    case, expected = cases[key], pinned[key]
    if isinstance(expected, dict):  # a count that differs by database: {"sqlite": n, "postgresql": m}
        expected = expected[connection.vendor]
    case.before(world)
    with CaptureQueriesContext(connection) as captured:
        response = case.send(world)
    assert response.status_code == case.status, f"{key}: HTTP {response.status_code}, expected {case.status}"
    if len(captured) != expected:
        statements = "\n".join(f"{n}. {q['sql']}" for n, q in enumerate(captured.captured_queries, 1))
        raise AssertionError(f"{key}: {len(captured)} queries, pinned at {expected}:\n{statements}")


def keys_of(cases: dict, pinned: dict) -> list[str]:
    """Every key of either table, so a case without a pin (or a pin without a case) fails."""
    return sorted(cases.keys() | pinned.keys())
