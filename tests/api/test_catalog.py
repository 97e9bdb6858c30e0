"""Public reads: topics, districts, venues and bookable times, scoped to one municipality."""

import datetime as dt

import pytest

from tests import factories
from tests.api.conftest import error_code
from tests.conftest import NOW

pytestmark = pytest.mark.django_db

TUESDAY = (NOW + dt.timedelta(days=1)).date()


def test_anonymous_reads_name_the_municipality(anon, topic, other_city):
    response = anon.get("/api/v1/topics/", {"municipality": "402109"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["next"] is None
    assert body["results"] == [{"id": topic.pk, "slug": "line", "name": "LINEの使い方", "name_en": "Using LINE",
                                "name_kana": "", "icon": "📱", "order": 0}]


@pytest.mark.parametrize("params", [{}, {"municipality": "999999"}, {"municipality": "40\x0009"}])
def test_anonymous_read_without_a_known_municipality_is_400(anon, municipality, params):
    response = anon.get("/api/v1/topics/", params)
    assert response.status_code == 400
    assert error_code(response) == "invalid" and "municipality" in response.json()["error"]["fields"]


def test_kiosk_and_volunteer_read_their_own_municipality(kiosk_api, volunteer_api, venue, other_city):
    for client in (kiosk_api, volunteer_api):
        # Naming another city does not widen what a kiosk or volunteer sees.
        body = client.get("/api/v1/venues/", {"municipality": "402036"}).json()
        assert [v["id"] for v in body["results"]] == [venue.pk]


def test_topic_by_slug_and_district_and_venue_by_id(anon, topic, district, venue, other_city):
    params = {"municipality": "402109"}
    assert anon.get("/api/v1/topics/line/", params).json()["id"] == topic.pk
    assert anon.get(f"/api/v1/districts/{district.pk}/", params).json()["senior_population"] == 12000
    body = anon.get(f"/api/v1/venues/{venue.pk}/", params).json()
    assert body["name"] == "八女市中央公民館" and body["district"] == district.pk
    # Another city's rows are not found here.
    assert anon.get(f"/api/v1/venues/{other_city['venue'].pk}/", params).status_code == 404
    assert anon.get(f"/api/v1/districts/{other_city['district'].pk}/", params).status_code == 404


def test_venues_filter_by_district_and_kind(anon, municipality, venue):
    other_district = factories.DistrictFactory(municipality=municipality, name="黒木")
    library = factories.VenueFactory(municipality=municipality, district=other_district, kind="library")
    params = {"municipality": "402109"}
    assert [v["id"] for v in anon.get("/api/v1/venues/", {**params, "district": other_district.pk}).json()["results"]] == [library.pk]
    assert [v["id"] for v in anon.get("/api/v1/venues/", {**params, "kind": "community_centre"}).json()["results"]] == [venue.pk]
    assert anon.get("/api/v1/venues/", {**params, "kind": "castle"}).status_code == 400


def test_slots_are_the_bookable_times(anon, topic, venue, instant_window, clock):
    response = anon.get("/api/v1/slots/", {"municipality": "402109", "topic": "line", "venue": venue.pk,
                                           "from": TUESDAY.isoformat(), "to": TUESDAY.isoformat()})
    assert response.status_code == 200
    assert response.json()["results"] == [
        {"start": "2026-12-08T10:00:00+09:00", "end": "2026-12-08T11:00:00+09:00", "venue": venue.pk,
         "format": "one_to_one", "seats_left": 1, "instant": True, "lesson": None},
        {"start": "2026-12-08T11:00:00+09:00", "end": "2026-12-08T12:00:00+09:00", "venue": venue.pk,
         "format": "one_to_one", "seats_left": 1, "instant": True, "lesson": None},
    ]


def test_slots_by_district_default_to_two_weeks(anon, topic, venue, district, instant_window, clock):
    body = anon.get("/api/v1/slots/", {"municipality": "402109", "topic": "line", "district": district.pk}).json()
    # Two Tuesdays in the next 14 days, two hours each.
    assert body["count"] == 4


@pytest.mark.parametrize(
    "params, field",
    [
        ({"venue": "1"}, "topic"),
        ({"topic": "line"}, "venue"),
        ({"topic": "nothing", "venue": "1"}, "topic"),
        ({"topic": "line", "venue": "999999"}, "venue"),
        ({"topic": "line", "district": "999999"}, "district"),
        ({"topic": "line", "venue": "x"}, "venue"),
        ({"topic": "line", "venue": "1", "from": "2026-12-10", "to": "2026-12-01"}, "to"),
        ({"topic": "line", "venue": "1", "from": "2026-12-01", "to": "2027-03-01"}, "to"),
        ({"topic": "line", "venue": "1", "from": "9999-12-31"}, "from"),
        ({"topic": "line", "venue": "1", "from": "yesterday"}, "from"),
    ],
)
def test_bad_slot_queries_are_400_with_the_field(anon, topic, venue, clock, params, field):
    if params.get("venue") == "1":
        params = {**params, "venue": str(venue.pk)}
    response = anon.get("/api/v1/slots/", {"municipality": "402109", **params})
    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"]


def test_lists_are_paginated(anon, municipality):
    for n in range(5):
        factories.TopicFactory(municipality=municipality, order=n)
    body = anon.get("/api/v1/topics/", {"municipality": "402109", "page_size": 2, "page": 2}).json()
    assert body["count"] == 5 and len(body["results"]) == 2 and body["previous"] and body["next"]
    assert anon.get("/api/v1/topics/", {"municipality": "402109", "page": 99}).status_code == 404


def test_catalog_query_counts_do_not_grow_with_rows(anon, municipality, district, django_assert_max_num_queries):
    for n in range(30):
        factories.TopicFactory(municipality=municipality)
        factories.VenueFactory(municipality=municipality, district=district)
    for path in ("/api/v1/topics/", "/api/v1/venues/", "/api/v1/districts/"):
        with django_assert_max_num_queries(3):
            assert anon.get(path, {"municipality": "402109"}).status_code == 200


def test_slot_query_count_is_fixed(anon, municipality, topic, venue, instant_window, clock,
                                   django_assert_max_num_queries):
    for _ in range(10):
        volunteer = factories.VolunteerFactory(municipality=municipality, topics=[topic])
        factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=2)
    with django_assert_max_num_queries(12):
        response = anon.get("/api/v1/slots/", {"municipality": "402109", "topic": "line", "venue": venue.pk})
    assert response.status_code == 200 and response.json()["count"] > 0
