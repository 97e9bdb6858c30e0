"""Bad input and bad luck get a kind answer, never a 500: an invalid phone number, a time taken
meanwhile, nothing free this week, a learner already booked, SMS asked for a landline."""

import datetime as dt

from literacy.scheduling.models import Booking
from literacy.scheduling.services import LearnerDetails, booking_create
from tests import factories
from tests.conftest import NOW, TOKYO
from tests.kiosk.conftest import slot_keys, walk

TUESDAY = dt.date(2026, 12, 8)


def at(day, hour):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TOKYO)


def test_an_invalid_phone_number_is_explained(clock, kiosk_client, topic, venue, free_times):
    walk(kiosk_client, topic=topic, venue=venue, stop_before="phone")
    for typed in ("12345", "090-1234", "abcdefg", ""):
        response = kiosk_client.post("/kiosk/book/phone/", {"phone": typed})
        text = response.content.decode()
        assert response.status_code == 400, typed
        assert "電話番号が正しくありません。もう一度お確かめください。" in text and 'aria-invalid="true"' in text
    assert kiosk_client.get("/kiosk/book/name/").url == "/kiosk/book/phone/"
    ok = kiosk_client.post("/kiosk/book/phone/", {"phone": "０９０－１２３４－５６７８"})  # full-width digits
    assert ok.url == "/kiosk/book/name/"


def test_a_time_taken_while_choosing_shows_the_nearest_free_times(clock, kiosk_client, topic, venue, free_times):
    walk(kiosk_client, topic=topic, venue=venue, stop_before="time")
    page = kiosk_client.get("/kiosk/book/time/")
    ten = slot_keys(page)[0]
    # Someone at the phone desk takes 10:00 first.
    booking_create(municipality=venue.municipality, topic=topic, venue=venue, starts_at=at(TUESDAY, 10),
                   channel="phone_desk", learner_details=LearnerDetails(phone="090-5555-6666", name="別の 人"), now=NOW)
    response = kiosk_client.post("/kiosk/book/time/", {"slot": ten})
    text = response.content.decode()
    assert response.status_code == 409
    assert "この時間はたった今ほかの方が予約されました" in text and "近い時間から選んでください" in text
    assert "12月8日(火) 午前11時" in text and "12月8日(火) 午前10時" not in text
    eleven = slot_keys(response)[0]
    assert kiosk_client.post("/kiosk/book/time/", {"slot": eleven}).url == "/kiosk/book/phone/"


def test_a_time_taken_before_the_final_tap_offers_others_and_then_books(clock, kiosk_client, topic, venue, free_times):
    walk(kiosk_client, topic=topic, venue=venue)  # 10:00 chosen, all answered
    booking_create(municipality=venue.municipality, topic=topic, venue=venue, starts_at=at(TUESDAY, 10),
                   channel="phone_desk", learner_details=LearnerDetails(phone="090-5555-6666", name="別の 人"), now=NOW)
    response = kiosk_client.post("/kiosk/book/confirm/")
    text = response.content.decode()
    assert response.status_code == 409 and "たった今ほかの方が予約されました" in text
    assert "12月8日(火) 午前11時" in text
    # Picking an alternative goes straight back to the read-back: the other answers are kept.
    assert kiosk_client.post("/kiosk/book/time/", {"slot": slot_keys(response)[0]}).url == "/kiosk/book/confirm/"
    assert "12月8日(火) 午前11時" in kiosk_client.get("/kiosk/book/confirm/").content.decode()
    kiosk_client.post("/kiosk/book/confirm/")
    mine = Booking.objects.get(learner__name="八女 花子")
    assert mine.lesson.starts_at == at(TUESDAY, 11)


def test_a_full_class_offers_other_times(clock, kiosk_client, municipality, topic, venue, volunteer, free_times):
    lesson = factories.LessonFactory(municipality=municipality, topic=topic, venue=venue, volunteer=volunteer,
                                     format="group", seats=1, starts_at=at(dt.date(2026, 12, 10), 13),
                                     ends_at=at(dt.date(2026, 12, 10), 14))
    walk(kiosk_client, topic=topic, venue=venue, day="2026-12-10")
    factories.BookingFactory(lesson=lesson)
    response = kiosk_client.post("/kiosk/book/confirm/")
    assert response.status_code == 409 and "近い時間から選んでください" in response.content.decode()
    assert Booking.objects.filter(channel="kiosk", learner__name="八女 花子").count() == 0


def test_nothing_free_this_week_shows_the_next_days_and_a_call_back(clock, kiosk_client, topic, venue, volunteer,
                                                                     free_times):
    factories.AvailabilityExceptionFactory(volunteer=volunteer, starts_on=NOW.date(),
                                           ends_on=NOW.date() + dt.timedelta(days=7))
    page = walk(kiosk_client, topic=topic, venue=venue, stop_before="day").content.decode()
    assert "この1週間は空きがありません。そのあとの空いている日です。" in page
    assert "12月15日(火)" in page and "12月8日(火)" not in page
    assert "電話で相談して決める" in page


def test_nothing_free_at_all_leads_to_a_call_back(clock, kiosk_client, topic, venue):
    page = walk(kiosk_client, topic=topic, venue=venue, stop_before="day").content.decode()
    assert "この会場には、いま空いている日がありません" in page
    assert 'name="day"' not in page and 'class="kiosk-big kiosk-primary" name="callback"' in page


def test_a_day_that_filled_up_is_refused_kindly(clock, kiosk_client, topic, venue, free_times):
    walk(kiosk_client, topic=topic, venue=venue, stop_before="day")
    response = kiosk_client.post("/kiosk/book/day/", {"day": "2026-12-10"})
    assert response.status_code == 400 and "その日の空きがなくなりました" in response.content.decode()


def test_a_learner_already_booked_at_that_time_is_told(clock, kiosk_client, municipality, topic, venue, district,
                                                       free_times):
    second = factories.VolunteerFactory(municipality=municipality, topics=[topic])
    factories.AvailabilityFactory(volunteer=second, venue=venue, weekday=1, starts=dt.time(10), ends=dt.time(12),
                                  is_instant=True)
    walk(kiosk_client, topic=topic, venue=venue)
    kiosk_client.post("/kiosk/book/confirm/")
    kiosk_client.get("/kiosk/reset/")
    walk(kiosk_client, topic=topic, venue=venue)  # the same person, the same time, another volunteer
    response = kiosk_client.post("/kiosk/book/confirm/")
    text = response.content.decode()
    assert response.status_code == 409
    assert "この時間にはすでにご予約があります。" in text and "ほかの時間を選ぶ" in text
    assert Booking.objects.count() == 1


def test_sms_chosen_for_a_landline_is_refused_kindly(clock, kiosk_client, topic, venue, free_times):
    walk(kiosk_client, topic=topic, venue=venue, phone="0943-22-1234", stop_before="reminder")
    response = kiosk_client.post("/kiosk/book/reminder/", {"reminder": "sms"})
    text = response.content.decode()
    assert response.status_code == 400
    assert "固定電話にはショートメールを送れません" in text
    assert kiosk_client.get("/kiosk/book/confirm/").url == "/kiosk/book/reminder/"


def test_an_unknown_time_key_is_refused_kindly(clock, kiosk_client, topic, venue, free_times):
    walk(kiosk_client, topic=topic, venue=venue, stop_before="time")
    for key in ("nonsense", "999:1:0", f"{venue.pk}:1:0"):
        response = kiosk_client.post("/kiosk/book/time/", {"slot": key})
        assert response.status_code == 409, key
