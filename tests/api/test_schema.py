"""The OpenAPI schema: valid OpenAPI 3, documented, served with local docs assets; and the live API
fuzzed against it with Schemathesis (no 5xx on any generated input; responses match the schema)."""

import datetime as dt
import json

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from openapi_spec_validator import validate
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories
from tests.conftest import NOW, TOKYO

pytestmark = pytest.mark.django_db


@pytest.fixture
def openapi(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_schema_is_valid_openapi_3(openapi):
    validate(openapi)
    assert openapi["openapi"].startswith("3.")


def test_every_operation_has_a_summary_responses_and_examples(openapi):
    operations = [(path, method, op) for path, item in openapi["paths"].items() for method, op in item.items()]
    assert len(operations) >= 25
    for path, method, op in operations:
        assert path.startswith("/api/v1/"), path
        assert op.get("summary"), f"{method} {path} has no summary"
        assert {"400", "401", "403", "404", "429"} <= set(op["responses"]), f"{method} {path}"
        success = next(r for code, r in op["responses"].items() if code.startswith("2"))
        media = success["content"]["application/json"]
        assert media.get("examples") or media.get("example"), f"{method} {path} has no example"
    booking = openapi["paths"]["/api/v1/bookings/"]["post"]
    assert {"201", "200", "409"} <= set(booking["responses"])
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in booking["parameters"])
    assert "deviceKey" in openapi["components"]["securitySchemes"]


def test_docs_pages_use_local_assets(client):
    for path in ("/api/docs/", "/api/redoc/"):
        html = client.get(path).content.decode()
        assert "/static/drf_spectacular_sidecar/" in html, path
        assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html, path


# --- Schemathesis ---------------------------------------------------------------------------

@pytest.fixture
def fuzz_world(municipality, district, venue, topic, volunteer, coordinator, settings, clock):
    """A small world with something in every list; throttling out of the way."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min",
                                                          "kiosk": "100000/min"}}
    factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=1, starts=dt.time(10), ends=dt.time(12),
                                  is_instant=True)
    start = dt.datetime.combine(NOW.date() - dt.timedelta(days=1), dt.time(10), tzinfo=TOKYO)
    lesson = factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                                     starts_at=start)
    factories.BookingFactory(lesson=lesson, code="123456",
                             learner=factories.LearnerFactory(municipality=municipality, phone="+819012345678"))
    factories.SkillFactory(topic=topic)


@pytest.fixture
def coordinator_headers(fuzz_world, coordinator):
    return {"Authorization": f"Token {Token.objects.create(user=coordinator).key}"}


@pytest.fixture
def volunteer_headers(fuzz_world, volunteer):
    return {"Authorization": f"Token {Token.objects.create(user=volunteer.user).key}"}


_served: list = []


@pytest.fixture
def keep_test_connection():
    """Calls go straight to the WSGI handler; like Django's test client, keep its request signals from
    closing the test's database connection (on PostgreSQL that would end the test transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def live_schema(db, keep_test_connection):
    """The schema as the running app serves it; fetched once per run (generating it is the slow part)."""
    if not _served:
        _served.append(schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler()))
    return _served[0]


schema = schemathesis.pytest.from_fixture("live_schema")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Bounded so the run stays short: a few positive and negative examples per operation, no shrinking.
BOUNDED = settings(max_examples=3, deadline=None, derandomize=True, database=None,
                   phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


# A coordinator reaches every endpoint but a volunteer's offers (those answer 403, also checked).
@schema.parametrize()
@BOUNDED
def test_api_conforms_to_its_schema_as_coordinator(case, coordinator_headers):
    case.call_and_validate(headers=coordinator_headers, checks=CHECKS)


@schema.include(path_regex="^/api/v1/offers/").parametrize()
@BOUNDED
def test_offers_conform_to_the_schema_as_volunteer(case, volunteer_headers):
    case.call_and_validate(headers=volunteer_headers, checks=CHECKS)
