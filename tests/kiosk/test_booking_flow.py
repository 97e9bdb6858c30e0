"""The booking wizard, answered with plain forms (no JavaScript): each step, the read-back, the
booking, the done screen, the double submit and the session being cleared."""

import datetime as dt
import re

from literacy.people.models import Learner
from literacy.scheduling.models import Booking, HelpRequest
from tests import factories
from tests.conftest import TOKYO
from tests.kiosk.conftest import slot_keys, walk


def at(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TOKYO)


def test_welcome_offers_two_big_choices_and_for_someone_else(clock, kiosk_client):
    page = kiosk_client.get("/kiosk/").content.decode()
    assert "相談を予約する" in page and "予約の確認・取り消し" in page and "ご家族の方が代わりに予約する" in page
    assert 'lang="ja"' in page and "八女市中央公民館" in page


def test_steps_cannot_be_skipped(clock, kiosk_client, topic, venue, free_times):
    assert kiosk_client.get("/kiosk/book/topic/").url == "/kiosk/"  # not started
    kiosk_client.post("/kiosk/book/", {"for": "self"})
    assert kiosk_client.get("/kiosk/book/confirm/").url == "/kiosk/book/topic/"
    kiosk_client.post("/kiosk/book/topic/", {"topic": topic.pk})
    assert kiosk_client.get("/kiosk/book/phone/").url == "/kiosk/book/place/"


def test_topics_are_paged_eight_to_a_screen(clock, kiosk_client, municipality):
    for n in range(10):
        factories.TopicFactory(municipality=municipality, name=f"テーマ{n:02d}", order=n)
    kiosk_client.post("/kiosk/book/", {"for": "self"})
    first = kiosk_client.get("/kiosk/book/topic/").content.decode()
    assert first.count('name="topic"') == 8 and "テーマ00" in first and "ほかにもあります" in first
    second = kiosk_client.get("/kiosk/book/topic/?page=2").content.decode()
    assert second.count('name="topic"') == 2 and "テーマ09" in second and "前のページ" in second


def test_places_put_this_venue_first_then_the_district_then_the_rest(clock, kiosk_client, municipality, district,
                                                                       venue, topic, free_times):
    far_district = factories.DistrictFactory(municipality=municipality, name="黒木", order=0)
    factories.VenueFactory(municipality=municipality, district=far_district, name="あ黒木公民館")
    factories.VenueFactory(municipality=municipality, district=district, name="い八女図書館")
    kiosk_client.post("/kiosk/book/", {"for": "self"})
    kiosk_client.post("/kiosk/book/topic/", {"topic": topic.pk})
    page = kiosk_client.get("/kiosk/book/place/").content.decode()
    here, near, far = page.index("八女市中央公民館"), page.index("い八女図書館"), page.index("あ黒木公民館")
    assert here < near < far
    assert "この建物です" in page and "お近く" in page
    assert "いちばん早い空き: 12月8日(火) 午前10時" in page and "いまは空きがありません" in page


def test_days_and_times_are_written_as_a_senior_reads_them(clock, kiosk_client, topic, venue, free_times):
    kiosk_client.post("/kiosk/book/", {"for": "self"})
    kiosk_client.post("/kiosk/book/topic/", {"topic": topic.pk})
    kiosk_client.post("/kiosk/book/place/", {"venue": venue.pk})
    days = kiosk_client.get("/kiosk/book/day/").content.decode()
    assert "12月8日(火)" in days and "12月9日(水)" in days and "12月10日" not in days
    kiosk_client.post("/kiosk/book/day/", {"day": "2026-12-09"})
    times = kiosk_client.get("/kiosk/book/time/").content.decode()
    assert "午後2時" in times and "午後3時" in times and "午前10時" not in times


def test_a_seat_in_a_class_shows_the_seats_left(clock, kiosk_client, municipality, topic, venue, volunteer):
    lesson = factories.LessonFactory(municipality=municipality, topic=topic, venue=venue, volunteer=volunteer,
                                     format="group", seats=5, starts_at=at(dt.date(2026, 12, 10), 13, 30),
                                     ends_at=at(dt.date(2026, 12, 10), 15))
    factories.BookingFactory(lesson=lesson)
    kiosk_client.post("/kiosk/book/", {"for": "self"})
    kiosk_client.post("/kiosk/book/topic/", {"topic": topic.pk})
    kiosk_client.post("/kiosk/book/place/", {"venue": venue.pk})
    kiosk_client.post("/kiosk/book/day/", {"day": "2026-12-10"})
    page = kiosk_client.get("/kiosk/book/time/")
    assert "午後1時30分" in page.content.decode() and "教室・残り4席" in page.content.decode()
    kiosk_client.post("/kiosk/book/time/", {"slot": slot_keys(page)[0]})
    kiosk_client.post("/kiosk/book/phone/", {"phone": "0943-22-1234"})
    kiosk_client.post("/kiosk/book/name/", {"name": "黒木 一郎", "name_kana": ""})
    kiosk_client.post("/kiosk/book/reminder/", {"reminder": "voice"})
    kiosk_client.post("/kiosk/book/confirm/")
    booking = Booking.objects.get(learner__name="黒木 一郎")
    assert booking.lesson == lesson and booking.state == Booking.State.BOOKED


def test_instant_booking_end_to_end(clock, kiosk_client, topic, venue, free_times):
    confirm = walk(kiosk_client, topic=topic, venue=venue)
    text = confirm.content.decode()
    for expected in ("LINEの使い方", "八女市中央公民館", "12月8日(火) 午前10時", "八女 花子", "やめ はなこ",
                     "090-1234-5678", "ショートメールでお知らせします", "この内容で予約する"):
        assert expected in text, expected
    response = kiosk_client.post("/kiosk/book/confirm/")
    assert response.url == "/kiosk/book/done/"
    booking = Booking.objects.get()
    assert booking.state == Booking.State.BOOKED and booking.channel == "kiosk"
    assert booking.idempotency_key.startswith("kiosk:") and not booking.booked_by_proxy
    assert booking.lesson.starts_at == at(dt.date(2026, 12, 8), 10) and booking.lesson.venue == venue
    learner = booking.learner
    assert (learner.phone, learner.name_kana, learner.reminder_channel) == ("+819012345678", "やめ はなこ", "sms")
    done = kiosk_client.get("/kiosk/book/done/").content.decode()
    assert booking.code in done and "ご予約ができました" in done and "12月8日(火)" in done and "午前10時" in done
    assert "予約は確定しています" in done and "前の日に、ショートメールでお知らせします" in done
    assert 'class="kiosk-slip"' in done  # the print slip
    # The answers are gone from the session; only the done screen's pointer stays until reset.
    assert "kiosk_booking" not in kiosk_client.session
    kiosk_client.get("/kiosk/reset/")
    assert "kiosk_done" not in kiosk_client.session
    assert kiosk_client.get("/kiosk/book/done/").url == "/kiosk/"


def test_pending_booking_says_who_confirms_by_when_and_how(clock, kiosk_client, topic, venue, free_times):
    walk(kiosk_client, topic=topic, venue=venue, day="2026-12-09", phone="0943-22-1234", reminder="voice")
    kiosk_client.post("/kiosk/book/confirm/")
    booking = Booking.objects.get()
    assert booking.state == Booking.State.PENDING and booking.help_request.deadline
    done = kiosk_client.get("/kiosk/book/done/").content.decode()
    assert "お申し込みを受け付けました" in done and "まだ確定していません" in done
    # Deadline: 24 hours after now (Monday 8:00), well before Wednesday 14:00.
    assert "ボランティアが決まったら、12月8日(火) 午前8時までにお電話でお知らせします" in done
    assert booking.code in done


def test_a_double_submit_books_once(clock, kiosk_client, topic, venue, free_times):
    walk(kiosk_client, topic=topic, venue=venue)
    from literacy.kiosk.wizard import BOOKING

    answers = dict(kiosk_client.session[BOOKING])
    first = kiosk_client.post("/kiosk/book/confirm/")
    # The second tap arrives with the same answers (as if both requests read the session at once).
    session = kiosk_client.session
    session[BOOKING] = answers
    session.save()
    second = kiosk_client.post("/kiosk/book/confirm/")
    assert first.url == second.url == "/kiosk/book/done/"
    assert Booking.objects.count() == 1
    # And a tap after the first one finished goes to the same done screen.
    assert kiosk_client.post("/kiosk/book/confirm/").url == "/kiosk/book/done/"
    assert Booking.objects.count() == 1


def test_going_back_and_changing_the_topic_forgets_the_place_and_time(clock, kiosk_client, topic, venue, free_times,
                                                                       municipality):
    other = factories.TopicFactory(municipality=municipality, name="電話・カメラ")
    walk(kiosk_client, topic=topic, venue=venue)
    kiosk_client.post("/kiosk/book/topic/", {"topic": other.pk})
    session = kiosk_client.session["kiosk_booking"]
    assert session["topic_id"] == other.pk and "venue_id" not in session and "starts_ts" not in session
    assert session["phone"] == "+819012345678"  # who they are stays
    assert kiosk_client.get("/kiosk/book/confirm/").url == "/kiosk/book/place/"


def test_every_step_has_a_back_button(clock, kiosk_client, topic, venue, free_times):
    expected_back = {"topic": "/kiosk/", "place": "/kiosk/book/topic/", "day": "/kiosk/book/place/",
                     "time": "/kiosk/book/day/", "phone": "/kiosk/book/time/", "name": "/kiosk/book/phone/",
                     "reminder": "/kiosk/book/name/", "confirm": "/kiosk/book/reminder/"}
    for step, back in expected_back.items():
        page = walk(kiosk_client, topic=topic, venue=venue, stop_before=step)
        assert page.status_code == 200, step
        assert f'class="kiosk-back" href="{back}"' in page.content.decode(), step


def test_for_someone_else_records_the_family_contact_and_consent(clock, kiosk_client, topic, venue, free_times):
    proxy = {"proxy_name": "八女 太郎", "relation": "息子", "proxy_phone": "080-9999-0000", "agreed": "yes"}
    page = walk(kiosk_client, topic=topic, venue=venue, for_other=True, stop_before="proxy")
    assert "予約をされるあなたのことを教えてください" in page.content.decode()
    confirm = walk(kiosk_client, topic=topic, venue=venue, for_other=True, proxy=proxy, phone="0943-22-1234",
                   reminder="voice").content.decode()
    assert "八女 太郎（息子）" in confirm and "080-9999-0000" in confirm
    kiosk_client.post("/kiosk/book/confirm/")
    booking = Booking.objects.get()
    assert booking.booked_by_proxy
    learner = booking.learner
    assert (learner.name, learner.proxy_name, learner.proxy_relation, learner.proxy_phone) == (
        "八女 花子", "八女 太郎", "息子", "+818099990000")


def test_for_someone_else_requires_the_parents_agreement(clock, kiosk_client, topic, venue, free_times):
    walk(kiosk_client, topic=topic, venue=venue, for_other=True, stop_before="proxy")
    response = kiosk_client.post("/kiosk/book/family/", {"proxy_name": "八女 太郎", "relation": "息子",
                                                         "proxy_phone": "080-9999-0000"})
    assert response.status_code == 400
    assert "ご本人が予約に同意していることを確かめて" in response.content.decode()
    response = kiosk_client.post("/kiosk/book/family/", {"proxy_name": "", "relation": "誰か",
                                                         "proxy_phone": "12", "agreed": "yes"})
    text = response.content.decode()
    assert "あなたのお名前を入れてください" in text and "ご関係を選んでください" in text and "電話番号が正しくありません" in text
    assert kiosk_client.get("/kiosk/book/reminder/").url == "/kiosk/book/family/"


def test_the_name_is_required(clock, kiosk_client, topic, venue, free_times):
    walk(kiosk_client, topic=topic, venue=venue, stop_before="name")
    response = kiosk_client.post("/kiosk/book/name/", {"name": "  ", "name_kana": "やめ"})
    assert response.status_code == 400 and "お名前を入れてください" in response.content.decode()


def test_a_landline_is_not_offered_sms(clock, kiosk_client, topic, venue, free_times):
    page = walk(kiosk_client, topic=topic, venue=venue, phone="0943-22-1234", stop_before="reminder")
    text = page.content.decode()
    assert 'value="sms"' not in text and 'value="voice"' in text and 'value="none"' in text
    mobile = walk(kiosk_client, topic=topic, venue=venue, phone="090-1234-5678", stop_before="reminder")
    assert 'value="sms"' in mobile.content.decode()


def test_no_reminder_is_recorded(clock, kiosk_client, topic, venue, free_times):
    walk(kiosk_client, topic=topic, venue=venue, reminder="none")
    kiosk_client.post("/kiosk/book/confirm/")
    assert Learner.objects.get().reminder_channel == Learner.ReminderChannel.NONE


def test_leaving_a_request_when_no_day_suits(clock, kiosk_client, topic, venue, free_times):
    kiosk_client.post("/kiosk/book/", {"for": "self"})
    kiosk_client.post("/kiosk/book/topic/", {"topic": topic.pk})
    kiosk_client.post("/kiosk/book/place/", {"venue": venue.pk})
    response = kiosk_client.post("/kiosk/book/day/", {"callback": "1"})
    assert response.url == "/kiosk/book/phone/"
    kiosk_client.post("/kiosk/book/phone/", {"phone": "0943-22-1234"})
    kiosk_client.post("/kiosk/book/name/", {"name": "星野 次郎"})
    back = kiosk_client.get("/kiosk/book/phone/").content.decode()
    assert 'class="kiosk-back" href="/kiosk/book/place/"' in back  # the day and time steps are skipped
    kiosk_client.post("/kiosk/book/reminder/", {"reminder": "voice"})
    confirm = kiosk_client.get("/kiosk/book/confirm/").content.decode()
    assert "まだ決めていません。市の担当者からお電話して決めます。" in confirm
    assert kiosk_client.post("/kiosk/book/confirm/").url == "/kiosk/book/done/"
    help_request = HelpRequest.objects.get()
    assert help_request.channel == "kiosk" and help_request.wanted_starts_at is None
    assert help_request.venue == venue and help_request.learner.name == "星野 次郎"
    # With no time to offer, a person takes it at once.
    assert help_request.state == HelpRequest.State.ESCALATED
    assert not Booking.objects.exists()
    done = kiosk_client.get("/kiosk/book/done/").content.decode()
    assert "12月8日(火) 午前8時までに、市の担当者からお電話します" in done
    assert "0943-23-1111" in done


def test_today_and_tomorrow_are_named(clock, kiosk_client, topic, venue, free_times):
    walk(kiosk_client, topic=topic, venue=venue, stop_before="day")
    page = kiosk_client.get("/kiosk/book/day/").content.decode()
    assert re.search(r"12月8日\(火\)</span><span class=\"kiosk-choice-sub\">明日", page)
    walk(kiosk_client, topic=topic, venue=venue, stop_before="time")
    assert "1回の相談は約60分です。" in kiosk_client.get("/kiosk/book/time/").content.decode()


def test_a_lesson_today_is_not_promised_a_reminder_the_day_before(clock, kiosk_client, municipality, topic, venue,
                                                                   volunteer):
    factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=0, starts=dt.time(14),
                                  ends=dt.time(16), is_instant=True)  # Monday, today
    walk(kiosk_client, topic=topic, venue=venue, day="2026-12-07")
    kiosk_client.post("/kiosk/book/confirm/")
    done = kiosk_client.get("/kiosk/book/done/").content.decode()
    assert "今日" in done and "このあと、確認のショートメールをお送りします。" in done and "前の日に" not in done
