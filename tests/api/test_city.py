"""Coordinators' reads: requests, learners, the outbox, coverage; roles, scoping and MFA."""

import datetime as dt

import pytest
from allauth.mfa.models import Authenticator
from django.utils import timezone
from rest_framework.test import APIClient

from literacy.accounts.models import CoordinatorRole
from literacy.notifications.models import Message
from literacy.scheduling.models import HelpRequest
from tests import factories
from tests.api.conftest import error_code
from tests.conftest import NOW

pytestmark = pytest.mark.django_db

LISTS = ["/api/v1/requests/", "/api/v1/learners/", "/api/v1/messages/", "/api/v1/coverage/"]


@pytest.fixture
def world(municipality, district, topic, other_city):
    learner = factories.LearnerFactory(municipality=municipality, name="八女 花子", name_kana="やめ はなこ",
                                       phone="+819012345678")
    request = HelpRequest.objects.create(municipality=municipality, learner=learner, topic=topic,
                                         district=district, channel="kiosk", deadline=NOW,
                                         state=HelpRequest.State.ESCALATED)
    message = Message.objects.create(municipality=municipality, channel="sms", kind="booking_confirmed",
                                     to=learner.phone, body="八女 花子様", send_after=NOW, idempotency_key="m1",
                                     learner=learner)
    far_learner = factories.LearnerFactory(municipality=other_city["municipality"])
    far = {
        "learner": far_learner,
        "request": HelpRequest.objects.create(municipality=other_city["municipality"], learner=far_learner,
                                              topic=other_city["topic"], channel="kiosk", deadline=NOW),
        "message": Message.objects.create(municipality=other_city["municipality"], channel="sms", kind="x",
                                          to=far_learner.phone, body="-", send_after=NOW, idempotency_key="m2"),
    }
    return {"learner": learner, "request": request, "message": message, "far": far}


def test_coordinator_reads_their_municipality(coordinator_api, world, district):
    requests = coordinator_api.get("/api/v1/requests/").json()
    assert [r["id"] for r in requests["results"]] == [world["request"].pk]
    learners = coordinator_api.get("/api/v1/learners/").json()
    assert [row["id"] for row in learners["results"]] == [world["learner"].pk]
    assert learners["results"][0]["phone"] == "+819012345678"
    messages = coordinator_api.get("/api/v1/messages/").json()
    assert [m["id"] for m in messages["results"]] == [world["message"].pk]
    coverage = coordinator_api.get("/api/v1/coverage/").json()
    row = next(r for r in coverage["results"] if r["district_id"] == district.pk)
    assert (row["name"], row["senior_population"], row["lessons"], row["learners_served"]) == ("旧八女市", 12000, 0, 0)
    assert all(r["district_id"] in (district.pk, None) for r in coverage["results"])


def test_another_municipalitys_rows_are_404(coordinator_api, world):
    far = world["far"]
    assert coordinator_api.get(f"/api/v1/requests/{far['request'].pk}/").status_code == 404
    assert coordinator_api.get(f"/api/v1/learners/{far['learner'].pk}/").status_code == 404
    assert coordinator_api.get(f"/api/v1/messages/{far['message'].pk}/").status_code == 404
    assert coordinator_api.get(f"/api/v1/requests/{world['request'].pk}/").status_code == 200
    assert coordinator_api.get(f"/api/v1/learners/{world['learner'].pk}/").status_code == 200
    assert coordinator_api.get(f"/api/v1/messages/{world['message'].pk}/").status_code == 200
    # Naming a municipality one does not serve is a 404 too, not a way in.
    assert coordinator_api.get("/api/v1/learners/", {"municipality": "402036"}).status_code == 404


def test_a_coordinator_of_two_cities_picks_one(coordinator, coordinator_api, world, other_city):
    CoordinatorRole.objects.create(user=coordinator, municipality=other_city["municipality"])
    body = coordinator_api.get("/api/v1/learners/", {"municipality": "402036"}).json()
    assert [row["id"] for row in body["results"]] == [world["far"]["learner"].pk]


@pytest.mark.parametrize("client_name, status", [("anon", 401), ("volunteer_api", 403), ("kiosk_api", 403)])
def test_only_coordinators(request, client_name, status, world):
    client = request.getfixturevalue(client_name)
    for path in LISTS:
        response = client.get(path, {"municipality": "402109"})
        assert response.status_code == status, path
    assert client.get(f"/api/v1/learners/{world['learner'].pk}/").status_code == status


def test_filters(coordinator_api, world, municipality):
    factories.LearnerFactory(municipality=municipality, name="黒木 次郎", name_kana="くろぎ じろう",
                             needs_callback=True)
    assert [r["name"] for r in coordinator_api.get("/api/v1/learners/", {"phone": "090-1234-5678"}).json()["results"]] == ["八女 花子"]
    assert coordinator_api.get("/api/v1/learners/", {"phone": "garbage"}).json()["count"] == 0
    assert [r["name"] for r in coordinator_api.get("/api/v1/learners/", {"q": "くろぎ"}).json()["results"]] == ["黒木 次郎"]
    assert coordinator_api.get("/api/v1/learners/", {"needs_callback": "true"}).json()["count"] == 1
    assert coordinator_api.get("/api/v1/requests/", {"state": "scheduled"}).json()["count"] == 0
    assert coordinator_api.get("/api/v1/requests/", {"state": "nonsense"}).status_code == 400
    assert coordinator_api.get("/api/v1/messages/", {"channel": "voice"}).json()["count"] == 0
    assert coordinator_api.get("/api/v1/messages/", {"kind": "booking_confirmed"}).json()["count"] == 1
    assert coordinator_api.get("/api/v1/coverage/", {"from": "2026-12-01", "to": "2026-11-01"}).status_code == 400


def test_list_query_counts_are_fixed(coordinator_api, municipality, district, topic, django_assert_max_num_queries):
    for n in range(20):
        learner = factories.LearnerFactory(municipality=municipality)
        HelpRequest.objects.create(municipality=municipality, learner=learner, topic=topic, channel="kiosk",
                                   deadline=NOW)
        Message.objects.create(municipality=municipality, channel="sms", kind="k", to=learner.phone, body="-",
                               send_after=NOW, idempotency_key=f"k{n}", learner=learner)
    # The coverage table is one grouped query per measure (see literacy/coverage/selectors.py).
    for path, most in zip(LISTS, (6, 6, 6, 9), strict=True):
        with django_assert_max_num_queries(most):
            assert coordinator_api.get(path).status_code == 200, path


def test_session_login_needs_two_factor_like_the_pages(coordinator, world):
    client = APIClient()
    client.force_login(coordinator)
    response = client.get("/api/v1/learners/")
    assert response.status_code == 403 and error_code(response) == "forbidden"
    assert response.json()["error"]["message"] == "二段階認証を設定してからご利用ください。"
    Authenticator.objects.create(user=coordinator, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert client.get("/api/v1/learners/").status_code == 200


def test_coverage_range_defaults_to_the_last_90_days(coordinator_api, municipality, district, venue, volunteer,
                                                     topic, clock):
    old = factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                                  starts_at=timezone.now() - dt.timedelta(days=120))
    factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                            starts_at=timezone.now() - dt.timedelta(days=10))
    def lessons(**params):
        rows = coordinator_api.get("/api/v1/coverage/", params).json()["results"]
        return next(r for r in rows if r["district_id"] == district.pk)["lessons"]

    assert lessons() == 1
    day = timezone.localdate(old.starts_at).isoformat()
    assert lessons(**{"from": day, "to": day}) == 1
