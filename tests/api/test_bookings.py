"""Bookings over the API: who may book, idempotent retries, lost races, lookup and cancel."""

import datetime as dt

import pytest

from literacy.scheduling.models import Booking, Lesson
from tests import factories
from tests.api.conftest import error_code
from tests.conftest import NOW, TOKYO

pytestmark = pytest.mark.django_db

TUESDAY = (NOW + dt.timedelta(days=1)).date()


def at(hour):
    return dt.datetime.combine(TUESDAY, dt.time(hour), tzinfo=TOKYO)


def body(venue, start=None, phone="090-1234-5678", name="八女 花子", **extra):
    return {
        "topic": "line", "venue": venue.pk, "start": (start or at(10)).isoformat(),
        "learner": {"phone": phone, "name": name, "name_kana": "やめ はなこ"}, "reminder_channel": "sms", **extra,
    }


def test_kiosk_books_an_instant_time(kiosk_api, venue, topic, instant_window, clock):
    response = kiosk_api.post("/api/v1/bookings/", body(venue), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    booking = Booking.objects.get()
    assert data["code"] == booking.code and data["status"] == "booked" and data["confirmed"] is True
    assert data["lesson"]["id"] == booking.lesson_id and data["lesson"]["start"] == "2026-12-08T10:00:00+09:00"
    assert (data["topic"], data["venue"], data["learner_name"]) == ("line", venue.pk, "八女 花子")
    assert booking.channel == "kiosk" and booking.entered_by is None
    assert booking.learner.phone == "+819012345678"


def test_a_time_a_volunteer_must_accept_is_pending(coordinator_api, coordinator, volunteer, venue, topic, clock):
    factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=1, starts=dt.time(10), ends=dt.time(12))
    response = coordinator_api.post("/api/v1/bookings/", body(venue, at(11)), format="json")
    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "pending" and data["confirmed"] is False and data["lesson"] is None
    assert data["start"] == "2026-12-08T11:00:00+09:00" and data["confirm_by"] is not None
    booking = Booking.objects.get()
    assert booking.channel == "api" and booking.entered_by == coordinator


def test_a_class_seat_is_booked_by_its_lesson(kiosk_api, municipality, volunteer, venue, topic, clock):
    lesson = factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                                     format=Lesson.Format.GROUP, seats=5, starts_at=at(14), ends_at=at(15))
    response = kiosk_api.post("/api/v1/bookings/", body(venue, at(14), lesson=lesson.pk), format="json")
    assert response.status_code == 201 and response.json()["lesson"]["id"] == lesson.pk


@pytest.mark.parametrize("client_name, status", [("anon", 401), ("volunteer_api", 403)])
def test_only_kiosks_and_coordinators_book(request, client_name, status, venue, topic, instant_window, clock):
    client = request.getfixturevalue(client_name)
    response = client.post("/api/v1/bookings/?municipality=402109", body(venue), format="json")
    assert response.status_code == status
    assert error_code(response) == ("not_authenticated" if status == 401 else "forbidden")
    assert not Booking.objects.exists()


def test_retry_with_the_same_key_returns_the_first_booking(kiosk_api, venue, topic, instant_window, clock):
    first = kiosk_api.post("/api/v1/bookings/", body(venue), format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    again = kiosk_api.post("/api/v1/bookings/", body(venue), format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert Booking.objects.count() == 1


def test_the_same_key_for_another_booking_is_refused(kiosk_api, venue, topic, instant_window, clock):
    kiosk_api.post("/api/v1/bookings/", body(venue), format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    response = kiosk_api.post("/api/v1/bookings/", body(venue, at(11)), format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert response.status_code == 409 and error_code(response) == "idempotency_key_reused"


def test_keys_are_per_caller(kiosk_api, coordinator_api, venue, topic, instant_window, clock):
    kiosk_api.post("/api/v1/bookings/", body(venue), format="json", HTTP_IDEMPOTENCY_KEY="same")
    # Another caller with the same key books its own time, and never sees the kiosk's booking.
    response = coordinator_api.post("/api/v1/bookings/", body(venue, at(11), phone="0943-22-1234", name="黒木 次郎",
                                                               reminder_channel="voice"),
                                    format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert response.status_code == 201 and Booking.objects.count() == 2


def test_a_time_taken_meanwhile_is_409(kiosk_api, venue, topic, instant_window, clock):
    assert kiosk_api.post("/api/v1/bookings/", body(venue), format="json").status_code == 201
    response = kiosk_api.post("/api/v1/bookings/", body(venue, phone="090-2222-3333", name="黒木 次郎"), format="json")
    assert response.status_code == 409
    assert error_code(response) == "slot_taken"
    assert response.json()["error"]["message"] == "申し訳ありません。この時間はたった今ほかの方が予約されました。"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"topic": "nothing"}, "topic"),
        ({"venue": 999999}, "venue"),
        ({"start": "not a time"}, "start"),
        ({"start": "9999-12-31T23:00:00-05:00"}, "start"),
        ({"reminder_channel": "pigeon"}, "reminder_channel"),
        ({"learner": {"phone": "090-1234-5678"}}, "learner.name"),
        ({"learner": {"phone": "12", "name": "八女 花子"}}, "learner.phone"),
        ({"learner": {"phone": "0943-22-1234", "name": "八女 花子"}}, "reminder_channel"),  # SMS to a landline
        ({"lesson": 999999}, "lesson"),
    ],
)
def test_bad_input_is_400_with_field_errors(kiosk_api, venue, topic, instant_window, clock, change, field):
    response = kiosk_api.post("/api/v1/bookings/", {**body(venue), **change}, format="json")
    assert response.status_code == 400, response.json()
    assert error_code(response) == "invalid" and field in response.json()["error"]["fields"]
    assert not Booking.objects.exists()


def test_malformed_json_and_bad_keys_are_400(kiosk_api, venue, topic, instant_window, clock):
    response = kiosk_api.post("/api/v1/bookings/", "{not json", content_type="application/json")
    assert response.status_code == 400 and error_code(response) == "parse_error"
    response = kiosk_api.post("/api/v1/bookings/", body(venue), format="json", HTTP_IDEMPOTENCY_KEY="x" * 65)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["error"]["fields"]


@pytest.fixture
def booked(kiosk_api, venue, topic, instant_window, clock):
    return kiosk_api.post("/api/v1/bookings/", body(venue), format="json").json()["code"]


def test_learner_looks_up_their_booking_with_code_and_phone(anon, booked):
    response = anon.get(f"/api/v1/bookings/{booked}/", {"phone": "09012345678", "municipality": "402109"})
    assert response.status_code == 200 and response.json()["code"] == booked


@pytest.mark.parametrize("other_code, phone", [(False, "090-9999-0000"), (True, "090-1234-5678"),
                                               (False, "not a phone")])
def test_a_wrong_pair_is_404(anon, booked, other_code, phone):
    code = f"{(int(booked) + 1) % 10**6:06d}" if other_code else booked
    response = anon.get(f"/api/v1/bookings/{code}/", {"phone": phone, "municipality": "402109"})
    assert response.status_code == 404 and error_code(response) == "not_found"


def test_another_citys_booking_is_not_found(anon, booked, other_city):
    response = anon.get(f"/api/v1/bookings/{booked}/", {"phone": "09012345678", "municipality": "402036"})
    assert response.status_code == 404


def test_lookup_needs_the_phone(anon, booked):
    response = anon.get(f"/api/v1/bookings/{booked}/", {"municipality": "402109"})
    assert response.status_code == 400 and "phone" in response.json()["error"]["fields"]


def test_learner_cancels_with_code_and_phone(anon, booked):
    url = f"/api/v1/bookings/{booked}/cancel/?municipality=402109"
    response = anon.post(url, {"phone": "090-1234-5678", "reason": "体調不良"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    booking = Booking.objects.get(code=booked)
    assert booking.state == Booking.State.CANCELLED and booking.cancel_reason == "体調不良"
    assert booking.lesson.state == Lesson.State.CANCELLED
    # Cancelling twice is harmless.
    assert anon.post(url, {"phone": "090-1234-5678"}, format="json").status_code == 200


def test_cancel_with_a_wrong_phone_is_404_and_changes_nothing(kiosk_api, booked):
    response = kiosk_api.post(f"/api/v1/bookings/{booked}/cancel/", {"phone": "090-0000-1111"}, format="json")
    assert response.status_code == 404
    assert Booking.objects.get(code=booked).state == Booking.State.BOOKED


def test_cancelling_an_attended_booking_is_409(kiosk_api, booked):
    Booking.objects.filter(code=booked).update(state=Booking.State.ATTENDED)
    response = kiosk_api.post(f"/api/v1/bookings/{booked}/cancel/", {"phone": "090-1234-5678"}, format="json")
    assert response.status_code == 409 and error_code(response) == "invalid_state"


def test_guessing_codes_is_locked_out_with_429_even_for_the_right_pair(anon, booked, settings):
    settings.BOOKING_LOOKUP_MAX_MISSES_PER_CLIENT = 3
    for guess in range(3):
        wrong = f"{(int(booked) + 1 + guess) % 10**6:06d}"
        assert anon.get(f"/api/v1/bookings/{wrong}/", {"phone": "09012345678", "municipality": "402109"}).status_code == 404
    response = anon.get(f"/api/v1/bookings/{booked}/", {"phone": "09012345678", "municipality": "402109"})
    assert response.status_code == 429 and error_code(response) == "too_many_attempts"


def test_behind_the_proxy_one_clients_guesses_lock_out_only_that_client(anon, booked, settings):
    """Through nginx every request has the same (empty) REMOTE_ADDR: the lockout must count by
    the address nginx appended, or one guesser would lock every senior out."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.BOOKING_LOOKUP_MAX_MISSES_PER_CLIENT = 3
    query = {"phone": "09012345678", "municipality": "402109"}
    for guess in range(3):
        wrong = f"{(int(booked) + 1 + guess) % 10**6:06d}"
        # Writing its own X-Forwarded-For each time does not give the guesser a fresh count.
        anon.get(f"/api/v1/bookings/{wrong}/", query, REMOTE_ADDR="",
                 HTTP_X_FORWARDED_FOR=f"10.0.0.{guess}, 203.0.113.66")
    guesser = anon.get(f"/api/v1/bookings/{booked}/", query, REMOTE_ADDR="",
                       HTTP_X_FORWARDED_FOR="10.0.0.99, 203.0.113.66")
    assert guesser.status_code == 429
    senior = anon.get(f"/api/v1/bookings/{booked}/", query, REMOTE_ADDR="", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert senior.status_code == 200


def test_behind_the_proxy_the_anonymous_throttle_cannot_be_dodged_with_a_header(anon, municipality, settings):
    from django.core.cache import cache
    from rest_framework.settings import api_settings

    settings.TRUSTED_PROXY_COUNT = 1
    # As production.py sets it from TRUSTED_PROXY_COUNT (tests/core/test_production_settings.py).
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "2/min"}}
    api_settings.reload()
    cache.clear()
    try:
        statuses = [anon.get("/api/v1/topics/", {"municipality": "402109"}, REMOTE_ADDR="",
                             HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.66").status_code for n in range(3)]
        assert statuses == [200, 200, 429]
        other = anon.get("/api/v1/topics/", {"municipality": "402109"}, REMOTE_ADDR="",
                         HTTP_X_FORWARDED_FOR="198.51.100.7")
        assert other.status_code == 200
    finally:
        cache.clear()
        api_settings.reload()


def test_a_kiosk_key_books_as_that_kiosk_and_within_its_limits(kiosk_api, kiosk_device, venue, topic,
                                                                instant_window, clock, settings):
    """The device key must not be a way around the kiosk's bookings-per-hour limit."""
    from literacy.followups.models import FollowUp

    settings.KIOSK_MAX_BOOKINGS_PER_HOUR = 1
    assert kiosk_api.post("/api/v1/bookings/", body(venue), format="json").status_code == 201
    assert Booking.objects.get().kiosk_device == kiosk_device
    response = kiosk_api.post("/api/v1/bookings/", body(venue, start=at(11), phone="090-5555-6666"), format="json")
    assert response.status_code == 429 and error_code(response) == "kiosk_limit_reached"
    assert Booking.objects.count() == 1
    assert FollowUp.objects.get(kind=FollowUp.Kind.KIOSK_LIMIT).kiosk_device == kiosk_device


def test_a_coordinators_api_bookings_are_not_a_kiosks(coordinator_api, venue, topic, instant_window, clock, settings):
    settings.KIOSK_MAX_BOOKINGS_PER_HOUR = 0
    response = coordinator_api.post("/api/v1/bookings/", body(venue), format="json")
    assert response.status_code == 201 and Booking.objects.get().kiosk_device is None


def test_a_lesson_already_begun_cannot_be_cancelled(kiosk_api, booked, clock):
    lesson = Booking.objects.get(code=booked).lesson
    clock.move_to(lesson.starts_at + dt.timedelta(minutes=5))
    response = kiosk_api.post(f"/api/v1/bookings/{booked}/cancel/", {"phone": "090-1234-5678"}, format="json")
    assert response.status_code == 409 and error_code(response) == "lesson_begun"
    booking = Booking.objects.get(code=booked)
    assert booking.state == Booking.State.BOOKED and booking.lesson.state == Lesson.State.SCHEDULED
