"""The home page and /healthz run a fixed number of queries: none for the home page of a visitor,
one `SELECT 1` for the health check, however much the database holds."""

from types import SimpleNamespace

import pytest

from tests import factories
from tests.query_counts import SIZES, assert_pinned, get, keys_of


@pytest.fixture(params=SIZES, ids=lambda size: f"{size}-of-each")
def site(request, client, db):
    for _ in range(request.param):
        factories.LessonFactory()
    return SimpleNamespace(client=client)


CASES = {
    "GET home": get("home"),
    "GET healthz": get("healthz"),
}
PINNED = {
    "GET home": 0,
    "GET healthz": 1,
}


@pytest.mark.parametrize("key", keys_of(CASES, PINNED))
def test_query_count_is_pinned_for_every_size(site, key):
    assert_pinned(key, cases=CASES, pinned=PINNED, world=site)
