"""Every route served by the project's own views has its number of queries pinned, so a new page
or endpoint without a pin fails here rather than growing an N+1 unnoticed.

A route is pinned when a PINNED table of a tests/<app>/test_query_counts.py names it (see
tests/query_counts.py for how those tables are built and checked). Routes served by other
packages' views are not ours to pin; each such package is listed below with the reason.
"""

import importlib
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

from tests.query_counts import route_of

OUR_PACKAGES = ("literacy", "api")
THIRD_PARTY = {
    "allauth": "sign-up, log-in, e-mail confirmation, password reset and two-factor pages of django-allauth",
    "django": "the Django admin (its change lists are pinned in tests/core/test_admin.py) and the language switch",
    "drf_spectacular": "the OpenAPI schema and its documentation pages, generated from the code",
}
# Routes of our own views that need no pin, with the reason. None so far: keep it short.
EXEMPT: dict[str, str] = {}
TESTS = Path(__file__).resolve().parent.parent


def routes():
    """(route name or None, the view's dotted path) of every URL pattern, namespaces included."""

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(part for part in (namespace, pattern.namespace) if part)
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
                yield name, pattern.lookup_str

    return list(walk(get_resolver().url_patterns, ""))


def our_routes() -> dict[str, str]:
    return {name: view for name, view in routes() if name and view.split(".")[0] in OUR_PACKAGES}


def pinned_routes() -> dict[str, list[str]]:
    """Route name → the query-count modules whose PINNED table names it."""
    found: dict[str, list[str]] = {}
    for path in sorted(TESTS.glob("*/test_query_counts.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.test_query_counts")
        for key in module.PINNED:
            found.setdefault(route_of(key), []).append(module.__name__)
    return found


def test_every_route_of_our_views_has_its_queries_pinned():
    pinned = pinned_routes()
    missing = sorted(name for name in our_routes() if name not in pinned and name not in EXEMPT)
    assert not missing, (
        "These routes have no query-count pin: add each to the PINNED table (and a case) of "
        f"tests/<app>/test_query_counts.py, or to EXEMPT here with the reason: {missing}")


def test_the_tables_name_only_routes_that_exist_and_each_once():
    names = {name for name, _view in routes()}
    pinned = pinned_routes()
    stale = sorted(name for name in [*pinned, *EXEMPT] if name not in names)
    assert not stale, f"Pinned or exempt, but no such route (renamed? removed?): {stale}"
    assert not set(pinned) & set(EXEMPT), "A route is either pinned or exempt"
    # One home per route: a second table pinning it would drift from the first.
    assert {name: homes for name, homes in pinned.items() if len(set(homes)) > 1} == {}


def test_our_views_are_all_named():
    """A route without a name cannot be listed; only the API's catch-all JSON 404 has none."""
    unnamed = sorted(view for name, view in routes() if not name and view.split(".")[0] in OUR_PACKAGES)
    assert unnamed == ["api.errors.api_not_found"]


def test_every_other_package_serving_routes_is_listed_with_its_reason():
    packages = {view.split(".")[0] for _name, view in routes()} - set(OUR_PACKAGES)
    assert packages == set(THIRD_PARTY), "A package's views were added or removed: say why they are not pinned."


def test_the_walk_sees_every_kind_of_route():
    """The resolver walk itself: namespaced, nested (api:… under /api/v1/) and top-level routes."""
    ours = our_routes()
    assert ours["kiosk:welcome"] == "literacy.kiosk.views.welcome"
    assert ours["api:booking-create"] == "api.views.bookings.BookingCreate"
    assert ours["healthz"] == "literacy.core.views.healthz"
    assert "voice_line:step" in ours and "account_login" not in ours
