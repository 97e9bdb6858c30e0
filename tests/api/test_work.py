"""Offers, lessons and reports over the API: each volunteer sees only their own."""

import datetime as dt

import pytest
from rest_framework.authtoken.models import Token

from literacy.people.models import Volunteer
from literacy.scheduling.models import Booking, HelpRequest, Lesson, LessonReport, Offer
from tests import factories
from tests.api.conftest import client_with, error_code
from tests.conftest import NOW, TOKYO

pytestmark = pytest.mark.django_db

TUESDAY = (NOW + dt.timedelta(days=1)).date()


def at(hour, day=TUESDAY):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TOKYO)


def token_client(user):
    return client_with(f"Token {Token.objects.create(user=user).key}")


@pytest.fixture
def second_volunteer(municipality, topic, venue):
    volunteer = factories.VolunteerFactory(municipality=municipality, topics=[topic])
    volunteer.venues.add(venue)
    return volunteer


@pytest.fixture
def offers(coordinator_api, volunteer, second_volunteer, venue, topic, clock):
    """A pending booking at Tuesday 11:00 offered to both volunteers."""
    for person in (volunteer, second_volunteer):
        factories.AvailabilityFactory(volunteer=person, venue=venue, weekday=1, starts=dt.time(10), ends=dt.time(12))
    response = coordinator_api.post("/api/v1/bookings/", {
        "topic": "line", "venue": venue.pk, "start": at(11).isoformat(),
        "learner": {"phone": "090-1234-5678", "name": "八女 花子"}, "reminder_channel": "voice"}, format="json")
    assert response.json()["status"] == "pending"
    return Offer.objects.get(volunteer=volunteer), Offer.objects.get(volunteer=second_volunteer)


def test_volunteer_lists_only_their_own_offers(volunteer_api, offers):
    mine, theirs = offers
    body = volunteer_api.get("/api/v1/offers/").json()
    assert [o["id"] for o in body["results"]] == [mine.pk]
    offer = body["results"][0]
    assert offer["state"] == "pending" and offer["request"]["learner_name"] == "花子"
    assert offer["request"]["start"] == "2026-12-08T11:00:00+09:00"
    assert all({"code", "points", "label"} <= set(r) for r in offer["reasons"])
    assert volunteer_api.get("/api/v1/offers/", {"state": "accepted"}).json()["count"] == 0
    assert volunteer_api.get(f"/api/v1/offers/{mine.pk}/").status_code == 200
    assert volunteer_api.get(f"/api/v1/offers/{theirs.pk}/").status_code == 404
    assert volunteer_api.post(f"/api/v1/offers/{theirs.pk}/accept/").status_code == 404


def test_first_acceptance_wins_the_second_is_409(volunteer_api, second_volunteer, offers):
    mine, theirs = offers
    response = volunteer_api.post(f"/api/v1/offers/{mine.pk}/accept/")
    assert response.status_code == 200, response.json()
    lesson = response.json()
    assert lesson["state"] == "scheduled" and lesson["start"] == "2026-12-08T11:00:00+09:00"
    assert [b["state"] for b in lesson["bookings"]] == ["booked"]
    assert lesson["bookings"][0]["learner_name"] == "花子"  # a volunteer sees the given name only
    late = token_client(second_volunteer.user).post(f"/api/v1/offers/{theirs.pk}/accept/")
    assert late.status_code == 409 and error_code(late) == "offer_taken"


@pytest.mark.parametrize("status", ["paused", "retired"])
def test_a_paused_or_retired_volunteer_cannot_accept_an_offer_sent_before(volunteer_api, volunteer, coordinator,
                                                                          offers, status):
    from literacy.people.services import volunteer_set_status

    mine, _ = offers
    # Changed in the admin, say: the status alone, the offer still open.
    Volunteer.objects.filter(pk=volunteer.pk).update(status=status)
    response = volunteer_api.post(f"/api/v1/offers/{mine.pk}/accept/")
    assert response.status_code == 409 and error_code(response) == "volunteer_not_active"
    mine.refresh_from_db()
    assert mine.state == Offer.State.PENDING and not Lesson.objects.exists()
    # Through the service, their open offers run out at once as well.
    Volunteer.objects.filter(pk=volunteer.pk).update(status="approved")
    volunteer_set_status(volunteer=volunteer, status=status, changed_by=coordinator)
    response = volunteer_api.post(f"/api/v1/offers/{mine.pk}/accept/")
    assert response.status_code == 409 and error_code(response) == "offer_expired"


def test_a_volunteer_who_stops_hands_back_their_offers_and_the_request_moves_on(volunteer, coordinator, offers,
                                                                              municipality, topic, venue):
    from literacy.people.services import volunteer_set_status
    from literacy.scheduling.services import offers_expire_due

    mine, theirs = offers
    third = factories.VolunteerFactory(municipality=municipality, topics=[topic])
    third.venues.add(venue)
    factories.AvailabilityFactory(volunteer=third, venue=venue, weekday=1, starts=dt.time(10), ends=dt.time(12))
    volunteer_set_status(volunteer=volunteer, status="paused", changed_by=coordinator)
    offers_expire_due()  # the minute's job
    mine.refresh_from_db()
    assert mine.state == Offer.State.EXPIRED
    # Someone else is asked now, instead of the request waiting hours for the offer to run out.
    pending = Offer.objects.filter(help_request=mine.help_request, state=Offer.State.PENDING)
    assert set(pending.values_list("volunteer", flat=True)) == {theirs.volunteer_id, third.pk}


def test_decline_moves_on_and_is_harmless_twice(volunteer_api, offers):
    mine, _ = offers
    first = volunteer_api.post(f"/api/v1/offers/{mine.pk}/decline/")
    assert first.status_code == 200 and first.json()["state"] == "declined"
    assert volunteer_api.post(f"/api/v1/offers/{mine.pk}/decline/").status_code == 200
    assert volunteer_api.post(f"/api/v1/offers/{mine.pk}/accept/").status_code == 409


@pytest.mark.parametrize("client_name, status", [("anon", 401), ("coordinator_api", 403), ("kiosk_api", 403)])
def test_offers_are_for_volunteers_only(request, client_name, status, offers):
    client = request.getfixturevalue(client_name)
    mine, _ = offers
    assert client.get("/api/v1/offers/").status_code == status
    assert client.post(f"/api/v1/offers/{mine.pk}/accept/").status_code == status


@pytest.fixture
def lessons(municipality, volunteer, second_volunteer, venue, topic, other_city):
    mine = factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                                   starts_at=at(10))
    factories.BookingFactory(lesson=mine, learner=factories.LearnerFactory(municipality=municipality,
                                                                           name="八女 花子"))
    theirs = factories.LessonFactory(municipality=municipality, volunteer=second_volunteer, venue=venue,
                                     topic=topic, starts_at=at(14))
    far = factories.LessonFactory(municipality=other_city["municipality"], volunteer=other_city["volunteer"],
                                  venue=other_city["venue"], topic=other_city["topic"], starts_at=at(10))
    return mine, theirs, far


def test_volunteer_sees_own_lessons_coordinator_the_municipalitys(volunteer_api, coordinator_api, lessons, clock):
    mine, theirs, far = lessons
    assert [lesson["id"] for lesson in volunteer_api.get("/api/v1/lessons/").json()["results"]] == [mine.pk]
    assert volunteer_api.get(f"/api/v1/lessons/{theirs.pk}/").status_code == 404
    body = coordinator_api.get("/api/v1/lessons/").json()
    assert [lesson["id"] for lesson in body["results"]] == [mine.pk, theirs.pk]
    assert body["results"][0]["bookings"][0]["learner_name"] == "八女 花子"  # coordinators see full names
    assert coordinator_api.get(f"/api/v1/lessons/{far.pk}/").status_code == 404
    filtered = coordinator_api.get("/api/v1/lessons/", {"volunteer": theirs.volunteer_id, "from": "2026-12-08",
                                                        "to": "2026-12-08", "state": "scheduled"}).json()
    assert [lesson["id"] for lesson in filtered["results"]] == [theirs.pk]
    assert coordinator_api.get("/api/v1/lessons/", {"from": "2026-12-09"}).json()["count"] == 0


@pytest.mark.parametrize("client_name, status", [("anon", 401), ("kiosk_api", 403)])
def test_lessons_are_not_for_kiosks_or_anonymous(request, client_name, status, lessons):
    assert request.getfixturevalue(client_name).get("/api/v1/lessons/").status_code == status


def test_lesson_list_query_count_is_fixed(coordinator_api, municipality, volunteer, venue, topic,
                                          django_assert_max_num_queries, clock):
    for hour in range(9, 17):
        lesson = factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                                         starts_at=at(hour), format=Lesson.Format.GROUP, seats=3)
        factories.BookingFactory.create_batch(2, lesson=lesson)
    with django_assert_max_num_queries(8):
        response = coordinator_api.get("/api/v1/lessons/")
    assert response.json()["count"] == 8


def report_body(lesson, booking, **extra):
    return {"lesson": lesson.pk, "duration_minutes": 60, "note_for_next": "写真の送り方を次回に",
            "learners": [{"booking": booking.pk, "attended": True}], **extra}


def test_volunteer_reports_their_lesson_once(volunteer_api, coordinator_api, lessons, topic, clock):
    mine, _, _ = lessons
    booking = mine.bookings.get()
    skill = factories.SkillFactory(topic=topic)
    clock.move_to(at(11))
    body = report_body(mine, booking)
    body["learners"][0]["skills"] = [skill.pk]
    response = volunteer_api.post("/api/v1/reports/", body, format="json")
    assert response.status_code == 201, response.json()
    report = response.json()
    assert report["lesson"] == mine.pk and report["progress"] == [
        {"booking": booking.pk, "skills": [skill.pk], "could_teach": False}]
    booking.refresh_from_db()
    assert booking.state == Booking.State.ATTENDED
    assert volunteer_api.get("/api/v1/lessons/").json()["results"][0]["reported"] is True
    again = volunteer_api.post("/api/v1/reports/", report_body(mine, booking), format="json")
    assert again.status_code == 409 and error_code(again) == "already_reported"
    assert [r["id"] for r in volunteer_api.get("/api/v1/reports/").json()["results"]] == [report["id"]]
    assert coordinator_api.get(f"/api/v1/reports/{report['id']}/").status_code == 200


def test_reporting_someone_elses_lesson_is_404(volunteer_api, lessons, clock):
    _, theirs, far = lessons
    clock.move_to(at(16))
    for lesson in (theirs, far):
        booking = factories.BookingFactory(lesson=lesson)
        response = volunteer_api.post("/api/v1/reports/", report_body(lesson, booking), format="json")
        assert response.status_code == 404
    assert not LessonReport.objects.exists()


def test_report_refusals(volunteer_api, coordinator_api, lessons, clock):
    mine, _, _ = lessons
    booking = mine.bookings.get()
    early = volunteer_api.post("/api/v1/reports/", report_body(mine, booking), format="json")
    assert early.status_code == 409 and error_code(early) == "lesson_not_started"
    clock.move_to(at(11))
    incomplete = volunteer_api.post("/api/v1/reports/", report_body(mine, booking, learners=[]), format="json")
    assert incomplete.status_code == 400 and error_code(incomplete) == "attendance_incomplete"
    # Each refusal says what to fix, not just that something failed.
    assert "出欠を入力してください" in incomplete.json()["error"]["message"]
    bad = volunteer_api.post("/api/v1/reports/", report_body(mine, booking, duration_minutes=0), format="json")
    assert bad.status_code == 400 and "duration_minutes" in bad.json()["error"]["fields"]
    # What the schema allows is what the service accepts: a ninth hour is a field error, not a 400
    # of the service's with no field named.
    long = volunteer_api.post("/api/v1/reports/", report_body(mine, booking, duration_minutes=481), format="json")
    assert long.status_code == 400 and "duration_minutes" in long.json()["error"]["fields"]
    nested = volunteer_api.post("/api/v1/reports/", report_body(mine, booking, learners=[{"booking": "x"}]),
                                format="json")
    assert set(nested.json()["error"]["fields"]) == {"learners.0.booking", "learners.0.attended"}
    # Coordinators read reports but do not write them.
    assert coordinator_api.post("/api/v1/reports/", report_body(mine, booking), format="json").status_code == 403


def test_help_request_states_are_visible_to_the_coordinator(coordinator_api, offers):
    body = coordinator_api.get("/api/v1/requests/", {"state": "offered"}).json()
    assert body["count"] == 1 and body["results"][0]["learner"]["name"] == "八女 花子"
    assert HelpRequest.objects.get().state == HelpRequest.State.OFFERED


@pytest.mark.parametrize("client_name, status", [("anon", 401), ("kiosk_api", 403)])
def test_reports_are_not_for_kiosks_or_anonymous(request, client_name, status, lessons):
    client = request.getfixturevalue(client_name)
    mine, _, _ = lessons
    assert client.get("/api/v1/reports/").status_code == status
    assert client.post("/api/v1/reports/", report_body(mine, mine.bookings.get()), format="json").status_code == status


def test_another_volunteers_report_is_404(volunteer_api, second_volunteer, lessons, clock):
    _, theirs, _ = lessons
    booking = factories.BookingFactory(lesson=theirs)
    clock.move_to(at(15))
    response = token_client(second_volunteer.user).post("/api/v1/reports/", report_body(theirs, booking), format="json")
    assert response.status_code == 201
    assert volunteer_api.get(f"/api/v1/reports/{response.json()['id']}/").status_code == 404
    assert volunteer_api.get("/api/v1/reports/").json()["count"] == 0
