"""Bookings per kiosk device: over the hour's or the day's limit nothing is booked, the person is
sent kindly to staff, and the coordinators get one case for the device however long it goes on."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from literacy.followups.models import FollowUp
from literacy.followups.services import followup_close
from literacy.kiosk.limits import KioskLimitReached, kiosk_limit_alert_open
from literacy.kiosk.services import kiosk_activate, kiosk_register, kiosk_request_callback
from literacy.people.models import Learner
from literacy.scheduling.models import Booking, HelpRequest
from literacy.scheduling.services import LearnerDetails, booking_create
from tests import factories
from tests.conftest import TOKYO
from tests.kiosk.conftest import kiosk_client_for, walk

TUESDAY_10 = dt.datetime(2026, 12, 8, 10, 0, tzinfo=TOKYO)


@pytest.fixture
def tight(settings):
    settings.KIOSK_MAX_BOOKINGS_PER_HOUR = 2
    settings.KIOSK_MAX_BOOKINGS_PER_DAY = 5
    return settings


def made_by(device, count: int, *, ago: dt.timedelta = dt.timedelta(minutes=5)) -> list[Booking]:
    """Bookings the device made `ago` before now."""
    bookings = [factories.BookingFactory(lesson=factories.LessonFactory(municipality=device.municipality),
                                         kiosk_device=device) for _ in range(count)]
    Booking.objects.filter(pk__in=[b.pk for b in bookings]).update(created_at=timezone.now() - ago)
    return bookings


def book(device, topic, venue, phone="090-1234-5678"):
    return booking_create(
        municipality=device.municipality, topic=topic, venue=venue, starts_at=TUESDAY_10, channel="kiosk",
        learner_details=LearnerDetails(phone=phone, name="八女 花子"), kiosk_device=device,
    )


def kiosk_cases():
    return FollowUp.objects.filter(kind=FollowUp.Kind.KIOSK_LIMIT)


def test_a_booking_records_the_kiosk_it_was_made_at(clock, kiosk_client, kiosk, topic, venue, free_times):
    walk(kiosk_client, topic=topic, venue=venue)
    assert kiosk_client.post("/kiosk/book/confirm/").url == "/kiosk/book/done/"
    assert Booking.objects.get().kiosk_device == kiosk


def test_over_the_hours_limit_the_kiosk_books_nothing_and_sends_the_person_to_staff(
        clock, tight, kiosk_client, kiosk, municipality, topic, venue, free_times):
    municipality.program_phone = "0943-23-1111"
    municipality.save()
    made_by(kiosk, 2)
    walk(kiosk_client, topic=topic, venue=venue)
    response = kiosk_client.post("/kiosk/book/confirm/")
    page = response.content.decode()
    assert response.status_code == 429
    assert "係の者にお声がけください" in page and "この端末では、しばらくのあいだ予約をお受けできません" in page
    assert "0943-23-1111" in page
    # Nothing booked, and not even the learner was written.
    assert Booking.objects.filter(learner__name="八女 花子").count() == 0
    assert not Learner.objects.filter(phone="+819012345678").exists()
    case = kiosk_cases().get()
    assert case.kiosk_device == kiosk and case.state == FollowUp.State.OPEN and "入口の端末" in case.detail


def test_bookings_older_than_an_hour_count_only_toward_the_day(clock, tight, kiosk, topic, venue, free_times):
    made_by(kiosk, 4, ago=dt.timedelta(hours=2))
    assert book(kiosk, topic, venue).created  # 4 in the day, 0 in the hour: allowed
    with pytest.raises(KioskLimitReached):  # now 5 in the day
        book(kiosk, topic, venue, phone="090-5555-6666")


def test_bookings_older_than_a_day_do_not_count(clock, tight, kiosk, topic, venue, free_times):
    made_by(kiosk, 5, ago=dt.timedelta(hours=25))
    assert book(kiosk, topic, venue).created


def test_each_kiosk_has_its_own_count(clock, tight, kiosk, venue, topic, free_times):
    made_by(kiosk, 2)
    other, code = kiosk_register(venue=venue, name="二階の端末")
    other, _key = kiosk_activate(code=code)
    assert book(other, topic, venue).created
    with pytest.raises(KioskLimitReached):
        book(kiosk, topic, venue, phone="090-5555-6666")


def test_bookings_without_a_kiosk_are_not_limited(clock, tight, kiosk, topic, venue, free_times):
    made_by(kiosk, 5)
    result = booking_create(municipality=kiosk.municipality, topic=topic, venue=venue, starts_at=TUESDAY_10,
                            channel="phone_desk", learner_details=LearnerDetails(phone="090-1234-5678", name="八女 花子"))
    assert result.created and result.booking.kiosk_device is None


def test_call_back_requests_count_and_are_refused_too(clock, tight, kiosk, topic, venue):
    details = LearnerDetails(phone="090-1234-5678", name="八女 花子")
    made_by(kiosk, 1)
    request = kiosk_request_callback(device=kiosk, topic=topic, venue=venue, learner_details=details)
    assert request.kiosk_device == kiosk
    with pytest.raises(KioskLimitReached):
        kiosk_request_callback(device=kiosk, topic=topic, venue=venue,
                               learner_details=LearnerDetails(phone="090-5555-6666", name="星野 一郎"))
    assert HelpRequest.objects.count() == 1 and kiosk_cases().count() == 1


def test_a_replayed_booking_is_not_a_new_one(clock, tight, kiosk, topic, venue, free_times):
    """A double tap on 'book' after the last allowed booking gets that booking, not a refusal."""
    made_by(kiosk, 1)
    first = booking_create(municipality=kiosk.municipality, topic=topic, venue=venue, starts_at=TUESDAY_10,
                           channel="kiosk", learner_details=LearnerDetails(phone="090-1234-5678", name="八女 花子"),
                           kiosk_device=kiosk, idempotency_key="kiosk:tap")
    again = booking_create(municipality=kiosk.municipality, topic=topic, venue=venue, starts_at=TUESDAY_10,
                           channel="kiosk", learner_details=LearnerDetails(phone="090-1234-5678", name="八女 花子"),
                           kiosk_device=kiosk, idempotency_key="kiosk:tap")
    assert again.booking == first.booking and not again.created


def test_the_alert_cannot_be_flooded(clock, tight, kiosk, topic, venue, free_times, coordinator):
    made_by(kiosk, 2)
    for attempt in range(5):
        with pytest.raises(KioskLimitReached):
            book(kiosk, topic, venue, phone=f"090-5555-{attempt:04d}")
    assert kiosk_cases().count() == 1
    # Closed by a coordinator, the case does not come back the same day however often it is refused.
    followup_close(followup=kiosk_cases().get(), outcome="端末を確認しました", closed_by=coordinator)
    with pytest.raises(KioskLimitReached):
        book(kiosk, topic, venue, phone="090-5555-9999")
    assert kiosk_cases().count() == 1
    # A day later, a device still over its limit is reported again.
    clock.shift(dt.timedelta(days=1, minutes=1))
    made_by(kiosk, 5, ago=dt.timedelta(minutes=1))
    with pytest.raises(KioskLimitReached):
        book(kiosk, topic, venue, phone="090-5555-8888")
    assert kiosk_cases().count() == 2 and kiosk_cases().filter(state=FollowUp.State.OPEN).count() == 1


def test_the_alert_is_opened_once_even_when_asked_twice(clock, kiosk):
    assert kiosk_limit_alert_open(device=kiosk) is not None
    assert kiosk_limit_alert_open(device=kiosk) is None
    assert kiosk_cases().count() == 1


def test_a_second_kiosk_client_still_books_after_the_first_is_stopped(clock, tight, kiosk, venue, topic,
                                                                     free_times):
    made_by(kiosk, 2)
    _other, code = kiosk_register(venue=venue, name="二階の端末")
    _device, key = kiosk_activate(code=code)
    client = kiosk_client_for(key)
    walk(client, topic=topic, venue=venue)
    assert client.post("/kiosk/book/confirm/").url == "/kiosk/book/done/"


def test_the_ask_staff_screen_speaks_english_when_chosen(clock, tight, kiosk_client, kiosk, topic, venue,
                                                         free_times):
    made_by(kiosk, 2)
    walk(kiosk_client, topic=topic, venue=venue)
    kiosk_client.post("/i18n/setlang/", {"language": "en", "next": "/kiosk/"})
    page = kiosk_client.post("/kiosk/book/confirm/").content.decode()
    assert "Please ask a member of staff" in page and "This kiosk cannot take bookings for a while." in page


def test_the_case_is_written_in_the_programs_language(clock, tight, kiosk, venue):
    """Stored text a coordinator reads later, whatever language the kiosk's visitor chose: the
    program's (Japanese unless a deployment says otherwise)."""
    with translation.override("en"):
        case = kiosk_limit_alert_open(device=kiosk)
    assert case.detail.startswith(f"キオスク端末「{venue.name} / 入口の端末」で、1時間に2件または1日に5件")
    case.delete()
    tight.LANGUAGE_CODE = "en"
    case = kiosk_limit_alert_open(device=kiosk)
    assert case.detail.startswith(f'More bookings were tried at the kiosk "{venue.name} / 入口の端末"')
    assert "(2 an hour or 5 a day)" in case.detail


def test_a_second_tap_on_call_me_back_files_one_request_and_one_case(kiosk, topic, venue, clock):
    # The second tap waited on the learner's lock while the first was written; or the senior asked
    # again before anyone called. Either way: one request, one case, one call.
    details = LearnerDetails(phone="090-1234-5678", name="八女 花子", reminder_channel="voice")
    first = kiosk_request_callback(device=kiosk, topic=topic, venue=venue, learner_details=details)
    second = kiosk_request_callback(device=kiosk, topic=topic, venue=venue, learner_details=details)
    assert second == first
    assert HelpRequest.objects.count() == 1 and FollowUp.objects.filter(help_request=first).count() == 1
    assert first.preference_note.startswith("キオスクから")
    # Another topic is another request.
    other = factories.TopicFactory(municipality=topic.municipality, slug="mynumber")
    assert kiosk_request_callback(device=kiosk, topic=other, venue=venue, learner_details=details) != first
