"""Check or cancel a booking by phone number and booking code; a wrong pair reveals nothing."""

import datetime as dt

import pytest

from literacy.scheduling.models import Booking
from tests.kiosk.conftest import walk


@pytest.fixture
def booked(clock, kiosk_client, topic, venue, free_times):
    walk(kiosk_client, topic=topic, venue=venue)
    kiosk_client.post("/kiosk/book/confirm/")
    kiosk_client.get("/kiosk/reset/")
    return Booking.objects.get()


def find(client, phone, code):
    assert client.post("/kiosk/check/", {"phone": phone}).url == "/kiosk/check/code/"
    return client.post("/kiosk/check/code/", {"code": code})


def test_check_then_cancel(kiosk_client, booked):
    response = find(kiosk_client, "09012345678", booked.code)
    assert response.url == "/kiosk/check/booking/"
    page = kiosk_client.get("/kiosk/check/booking/").content.decode()
    assert booked.code in page and "12月8日(火)" in page and "午前10時" in page and "予約は確定しています" in page
    confirm = kiosk_client.get("/kiosk/check/cancel/").content.decode()
    assert "この予約を取り消しますか？" in confirm and "はい、取り消します" in confirm
    assert Booking.objects.get().state == Booking.State.BOOKED  # asking is not cancelling
    done = kiosk_client.post("/kiosk/check/cancel/")
    assert done.status_code == 200 and "ご予約を取り消しました" in done.content.decode()
    booked.refresh_from_db()
    assert booked.state == Booking.State.CANCELLED and booked.lesson.state == "cancelled"
    assert "kiosk_check" not in kiosk_client.session
    # A second tap finds nothing to cancel and starts again.
    assert kiosk_client.post("/kiosk/check/cancel/").url == "/kiosk/check/"


def test_the_family_contacts_number_finds_it_too(clock, kiosk_client, topic, venue, free_times):
    proxy = {"proxy_name": "八女 太郎", "relation": "息子", "proxy_phone": "080-9999-0000", "agreed": "yes"}
    walk(kiosk_client, topic=topic, venue=venue, for_other=True, proxy=proxy)
    kiosk_client.post("/kiosk/book/confirm/")
    booking = Booking.objects.get()
    kiosk_client.get("/kiosk/reset/")
    assert find(kiosk_client, "080-9999-0000", booking.code).url == "/kiosk/check/booking/"


@pytest.mark.parametrize("phone_kind", ["wrong_code", "unknown_number", "other_persons_number"])
def test_a_wrong_pair_says_so_the_same_way(kiosk_client, booked, phone_kind, municipality):
    from tests import factories

    factories.LearnerFactory(municipality=municipality, phone="+819087654321")
    phone, code = {
        "wrong_code": ("090-1234-5678", "000000" if booked.code != "000000" else "111111"),
        "unknown_number": ("090-2222-3333", booked.code),
        "other_persons_number": ("090-8765-4321", booked.code),
    }[phone_kind]
    response = find(kiosk_client, phone, code)
    assert response.status_code == 400
    assert "この電話番号と予約番号の組み合わせでは、予約が見つかりませんでした。" in response.content.decode()
    assert kiosk_client.get("/kiosk/check/booking/").url == "/kiosk/check/"


def test_an_invalid_phone_number_at_check(kiosk_client, booked):
    response = kiosk_client.post("/kiosk/check/", {"phone": "123"})
    assert response.status_code == 400 and "電話番号が正しくありません" in response.content.decode()
    assert kiosk_client.get("/kiosk/check/code/").url == "/kiosk/check/"


def test_a_cancelled_booking_is_not_found(kiosk_client, booked):
    from literacy.scheduling.services import booking_cancel

    booking_cancel(booking=booked)
    assert find(kiosk_client, "090-1234-5678", booked.code).status_code == 400


def test_a_booking_of_another_city_is_not_found(kiosk_client, booked, clock):
    from tests import factories

    other_city = factories.MunicipalityFactory()
    other = factories.BookingFactory(
        lesson=factories.LessonFactory(municipality=other_city),
        learner=factories.LearnerFactory(municipality=other_city, phone="+819012345678"), code="424242")
    assert find(kiosk_client, "090-1234-5678", other.code).status_code == 400


@pytest.fixture(autouse=True)
def kiosk_miss_limit(settings):
    """Below the per-phone limit, so these tests see the kiosk's own count stop it."""
    settings.BOOKING_LOOKUP_MAX_MISSES_PER_KIOSK = 5


def _wrong(booked) -> str:
    return "000000" if booked.code != "000000" else "111111"


def test_guessing_codes_locks_this_kiosk_out_with_a_kind_screen(kiosk_client, booked, settings, municipality):
    municipality.program_phone = "0943-23-1111"
    municipality.save()
    for _attempt in range(settings.BOOKING_LOOKUP_MAX_MISSES_PER_KIOSK):
        assert find(kiosk_client, "090-1234-5678", _wrong(booked)).status_code == 400
    # Now even the right pair is refused: the person is sent to staff or the phone, nothing is shown.
    response = find(kiosk_client, "090-1234-5678", booked.code)
    page = response.content.decode()
    assert response.status_code == 429
    assert "係の者にお声がけください" in page and "この端末ではしばらく予約の確認をお休みしています" in page
    assert "0943-23-1111" in page and booked.code not in page
    assert kiosk_client.get("/kiosk/check/booking/").url == "/kiosk/check/"


def test_the_lockout_counts_in_the_database_not_in_one_process(kiosk_client, booked, settings):
    """Every gunicorn worker must see the same count: clearing a process's cache unlocks nothing."""
    from django.core.cache import cache

    from literacy.scheduling.models import LookupAttempt

    for _attempt in range(settings.BOOKING_LOOKUP_MAX_MISSES_PER_KIOSK):
        find(kiosk_client, "090-1234-5678", _wrong(booked))
    assert LookupAttempt.objects.filter(succeeded=False).count() == settings.BOOKING_LOOKUP_MAX_MISSES_PER_KIOSK
    cache.clear()
    assert find(kiosk_client, "090-1234-5678", booked.code).status_code == 429


def test_the_lockout_is_per_kiosk_and_ends_with_the_window(clock, kiosk_client, booked, settings, venue):
    from literacy.kiosk.services import kiosk_activate, kiosk_register
    from tests.kiosk.conftest import kiosk_client_for

    for _attempt in range(settings.BOOKING_LOOKUP_MAX_MISSES_PER_KIOSK):
        find(kiosk_client, "090-1234-5678", _wrong(booked))
    assert find(kiosk_client, "090-1234-5678", booked.code).status_code == 429
    # The kiosk by the other door is a different client.
    _other, code = kiosk_register(venue=venue, name="二階の端末")
    _device, key = kiosk_activate(code=code)
    assert find(kiosk_client_for(key), "090-1234-5678", booked.code).url == "/kiosk/check/booking/"
    clock.shift(dt.timedelta(minutes=settings.BOOKING_LOOKUP_WINDOW_MINUTES + 1))
    assert find(kiosk_client, "090-1234-5678", booked.code).url == "/kiosk/check/booking/"


def test_the_lockout_screen_speaks_english_when_chosen(kiosk_client, booked, settings):
    for _attempt in range(settings.BOOKING_LOOKUP_MAX_MISSES_PER_KIOSK):
        find(kiosk_client, "090-1234-5678", _wrong(booked))
    kiosk_client.post("/i18n/setlang/", {"language": "en", "next": "/kiosk/"})
    page = find(kiosk_client, "090-1234-5678", booked.code).content.decode()
    assert "Please ask a member of staff" in page and "paused looking up bookings" in page


def test_leaving_by_the_back_button_leaves_nothing_for_the_next_person(kiosk_client, booked):
    # A senior looks up their booking and leaves through 戻る instead of 終わる.
    find(kiosk_client, "090-1234-5678", booked.code)
    assert booked.code in kiosk_client.get("/kiosk/check/booking/").content.decode()
    kiosk_client.get("/kiosk/")
    # The next person finds an empty phone field and no way back to that booking.
    assert "090-1234-5678" not in kiosk_client.get("/kiosk/check/").content.decode()
    assert kiosk_client.get("/kiosk/check/booking/").url == "/kiosk/check/"
    assert kiosk_client.get("/kiosk/check/code/").url == "/kiosk/check/"


def test_a_booking_half_made_is_forgotten_at_the_start(kiosk_client, clock, topic, venue, free_times):
    walk(kiosk_client, topic=topic, venue=venue)
    kiosk_client.get("/kiosk/")
    assert kiosk_client.get("/kiosk/book/confirm/").url == "/kiosk/"
    assert "kiosk_booking" not in kiosk_client.session


def test_a_lesson_already_held_is_shown_without_a_cancel_button(kiosk_client, booked, clock):
    clock.move_to(booked.lesson.ends_at + dt.timedelta(hours=20))  # not reported yet: still "booked"
    find(kiosk_client, "090-1234-5678", booked.code)
    page = kiosk_client.get("/kiosk/check/booking/").content.decode()
    assert "もう始まっているか過ぎています" in page and "予約は確定しています" not in page
    assert "/kiosk/check/cancel/" not in page
    assert kiosk_client.get("/kiosk/check/cancel/").url == "/kiosk/check/booking/"
    refused = kiosk_client.post("/kiosk/check/cancel/")
    assert refused.status_code == 409 and "取り消しや変更はできません" in refused.content.decode()
    booked.refresh_from_db()
    assert booked.state == Booking.State.BOOKED and booked.lesson.state == "scheduled"


def test_a_request_past_its_deadline_says_staff_will_call_not_a_time_gone_by(kiosk_client, clock, topic, venue,
                                                                            free_times):
    walk(kiosk_client, topic=topic, venue=venue, day="2026-12-09")  # Wednesday: a volunteer must accept
    kiosk_client.post("/kiosk/book/confirm/")
    kiosk_client.get("/kiosk/reset/")
    booking = Booking.objects.get()
    assert booking.state == Booking.State.PENDING
    find(kiosk_client, "090-1234-5678", booking.code)
    assert "までにお知らせします" in kiosk_client.get("/kiosk/check/booking/").content.decode()
    clock.move_to(booking.help_request.deadline + dt.timedelta(minutes=5))
    page = kiosk_client.get("/kiosk/check/booking/").content.decode()
    assert "市の担当者からお電話でご相談します" in page and "までにお知らせします" not in page


def test_the_volunteer_reads_why_in_the_programs_language_whatever_the_kiosk_showed(kiosk_client, booked, settings):
    from django.conf import settings as django_settings

    from literacy.notifications.models import Message

    kiosk_client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"  # the senior switched to English
    find(kiosk_client, "090-1234-5678", booked.code)
    kiosk_client.post("/kiosk/check/cancel/")
    booked.refresh_from_db()
    assert booked.cancel_reason == booked.lesson.cancel_reason == "ご本人がキオスクで取り消し"
    email = Message.objects.get(kind=Message.Kind.VOLUNTEER_INVITE_CANCEL)
    assert "ご本人がキオスクで取り消し" in email.body and "kiosk" not in email.body.split("理由")[-1]
