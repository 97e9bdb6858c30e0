"""Phone desk: search, register with consent, book (also by family), move, cancel, notes, scope."""

import datetime as dt
import re

import pytest
from django.utils import translation

from literacy.followups.models import FollowUp
from literacy.notifications.models import Message
from literacy.people.models import Learner
from literacy.phonedesk.selectors import learners_search
from literacy.scheduling.models import Booking, LearnerProgress, LessonReport
from tests import factories
from tests.conftest import NOW, TOKYO

DESK = "/city/phone-desk/"
TUESDAY_10 = dt.datetime(2026, 12, 8, 10, tzinfo=TOKYO)


@pytest.fixture
def tuesday_window(volunteer, venue):
    return factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=1, starts=dt.time(10),
                                         ends=dt.time(12), is_instant=True)


@pytest.fixture
def hanako(municipality, district):
    return factories.LearnerFactory(municipality=municipality, name="八女 花子", name_kana="やめ はなこ",
                                    phone="+819012345678", district=district)


def slot_key(venue, starts_at, lesson_id=0):
    return f"{venue.pk}:{int(starts_at.timestamp())}:{lesson_id}"


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- access -------------------------------------------------------------------------------------

def test_login_and_mfa_are_required(client, municipality, coordinator):
    assert client.get(DESK).status_code == 302  # to login
    client.force_login(coordinator)
    response = client.get(DESK)
    assert response.status_code == 302 and "/2fa/totp/activate/" in response["Location"]  # activate TOTP first
    volunteer_user = factories.UserFactory()
    client.force_login(volunteer_user)
    assert client.get(DESK).status_code == 404


def test_coordinator_of_another_municipality_gets_404(other_city_desk, hanako, venue, topic, clock):
    booking = factories.BookingFactory(learner=hanako, lesson=factories.LessonFactory(
        municipality=hanako.municipality, venue=venue, topic=topic))
    client = other_city_desk
    assert client.get(f"{DESK}learners/{hanako.pk}/").status_code == 404
    assert client.post(f"{DESK}learners/{hanako.pk}/notes/", {"text": "x"}).status_code == 404
    assert client.post(f"{DESK}learners/{hanako.pk}/book/", {}).status_code == 404
    assert client.post(f"{DESK}bookings/{booking.pk}/cancel/").status_code == 404
    assert client.get(f"{DESK}bookings/{booking.pk}/move/").status_code == 404
    # Their search does not find her either.
    response = client.get(DESK, {"q": "090-1234-5678"})
    assert response.status_code == 200 and list(response.context["results"]) == []
    booking.refresh_from_db()
    assert booking.state == Booking.State.BOOKED


# --- search -------------------------------------------------------------------------------------

def test_search_by_number_as_typed(desk, hanako, municipality, clock):
    factories.LearnerFactory(municipality=municipality, name="黒木 次郎", phone="+819087654321")
    for typed in ("090-1234-5678", "０９０１２３４５６７８", "5678", "+81 90 1234 5678"):
        response = desk.get(DESK, {"q": typed})
        assert [learner.pk for learner in response.context["results"]] == [hanako.pk], typed
    assert "八女 花子" in desk.get(DESK, {"q": "1234"}).content.decode()


def test_search_by_kana_kanji_and_partial_name(desk, hanako, municipality, clock):
    factories.LearnerFactory(municipality=municipality, name="黒木 次郎", name_kana="くろぎ じろう")
    for typed in ("はなこ", "ハナコ", "やめはなこ", "ヤメ　ハナコ", "八女", "花子", "八女花子"):
        found = [learner.pk for learner in learners_search(municipality=municipality, query=typed)]
        assert found == [hanako.pk], typed
    response = desk.get(DESK, {"q": "すずき"})
    assert response.context["results"] == [] and "当てはまる方はいません" in response.content.decode()


def test_search_finds_a_learner_by_their_familys_number(desk, hanako, clock):
    hanako.proxy_name, hanako.proxy_phone = "八女 一郎", "+818011112222"
    hanako.save()
    response = desk.get(DESK, {"q": "080-1111-2222"})
    assert [learner.pk for learner in response.context["results"]] == [hanako.pk]


# --- register -----------------------------------------------------------------------------------

def test_register_with_consent_recorded(desk, desk_user, municipality, district, clock):
    response = desk.post(f"{DESK}learners/new/", {
        "phone": "0943-22-1234", "name": "星野 トメ", "name_kana": "ほしの とめ", "district": district.pk,
        "consent": "on",
    })
    learner = Learner.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{DESK}learners/{learner.pk}/"
    assert learner.phone == "+81943221234" and learner.phone_kind == Learner.PhoneKind.LANDLINE
    assert learner.reminder_channel == Learner.ReminderChannel.VOICE and learner.district == district
    assert (learner.consent_at, learner.consent_channel, learner.consent_taken_by) == (NOW, "phone_desk", desk_user)
    assert learner.created_channel == "phone_desk"


def test_register_without_consent_is_refused(desk, municipality, clock):
    response = desk.post(f"{DESK}learners/new/", {"phone": "0943-22-1234", "name": "星野 トメ"})
    assert response.status_code == 400 and not Learner.objects.exists()
    assert "ご本人の同意を確認してください。" in response.content.decode()


def test_register_by_family_records_the_proxy(desk, desk_user, municipality, clock):
    desk.post(f"{DESK}learners/new/", {
        "phone": "0943-22-1234", "name": "星野 トメ", "consent": "on", "by_proxy": "on",
        "proxy_name": "星野 一郎", "proxy_relation": "長男", "proxy_phone": "080-1111-2222",
        "proxy_gets_reminders": "on",
    })
    learner = Learner.objects.get()
    assert learner.consent_channel == "proxy" and learner.consent_taken_by == desk_user
    assert (learner.proxy_name, learner.proxy_relation, learner.proxy_phone, learner.proxy_gets_reminders) == (
        "星野 一郎", "長男", "+818011112222", True)


def test_proxy_needs_name_and_relation(desk, municipality, clock):
    response = desk.post(f"{DESK}learners/new/", {"phone": "0943-22-1234", "name": "星野 トメ", "consent": "on",
                                                   "by_proxy": "on"})
    assert response.status_code == 400 and not Learner.objects.exists()


def test_registering_someone_already_known_opens_their_page(desk, hanako, clock):
    response = desk.post(f"{DESK}learners/new/", {"phone": "090-1234-5678", "name": "八女　花子", "consent": "on"},
                         follow=True)
    assert Learner.objects.count() == 1
    assert "すでに登録されています" in " ".join(messages_of(response))


# --- the learner's page: history, times, booking --------------------------------------------------

def test_history_shows_bookings_reports_and_failed_reminders(desk, hanako, venue, topic, clock):
    lesson = factories.LessonFactory(municipality=hanako.municipality, venue=venue, topic=topic,
                                     starts_at=TUESDAY_10)
    booking = factories.BookingFactory(lesson=lesson, learner=hanako, code="135790")
    Message.objects.create(municipality=hanako.municipality, channel="sms", kind="reminder", to=hanako.phone,
                           body="x", learner=hanako, send_after=NOW, state=Message.State.UNDELIVERED,
                           error_code="30003", idempotency_key="m1")
    Message.objects.create(municipality=hanako.municipality, channel="sms", kind="reminder", to=hanako.phone,
                           body="x", learner=hanako, send_after=NOW, state=Message.State.DELIVERED,
                           idempotency_key="m2")
    report = LessonReport.objects.create(
        lesson=lesson, volunteer=lesson.volunteer, duration_minutes=60, note_for_next="写真の送り方を復習")
    LearnerProgress.objects.create(report=report, booking=booking, learner=hanako)
    response = desk.get(f"{DESK}learners/{hanako.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "135790" in page and "2026-12-08" in page
    assert "写真の送り方を復習" in page
    history = response.context["history"]
    assert [m.error_code for m in history.failed_messages] == ["30003"]


def test_times_are_the_bookable_times(desk, hanako, venue, topic, tuesday_window, clock):
    response = desk.get(f"{DESK}learners/{hanako.pk}/", {"topic": topic.pk, "district": hanako.district_id})
    keys = [t.key for t in response.context["times"]]
    assert keys == [slot_key(venue, TUESDAY_10), slot_key(venue, TUESDAY_10 + dt.timedelta(hours=1))]
    assert f'value="{keys[0]}"' in response.content.decode()


def test_book_from_the_desk(desk, desk_user, hanako, venue, topic, tuesday_window, clock):
    response = desk.post(f"{DESK}learners/{hanako.pk}/book/", {
        "topic": topic.pk, "slot": slot_key(venue, TUESDAY_10), "idempotency_key": "desk:abc"}, follow=True)
    booking = Booking.objects.get()
    assert booking.learner == hanako and booking.state == Booking.State.BOOKED
    assert booking.channel == "phone_desk" and booking.entered_by == desk_user and not booking.booked_by_proxy
    assert booking.lesson.starts_at == TUESDAY_10
    assert f"予約番号は {booking.code} です" in " ".join(messages_of(response))
    # A double click (same form token) does not book twice.
    desk.post(f"{DESK}learners/{hanako.pk}/book/", {
        "topic": topic.pk, "slot": slot_key(venue, TUESDAY_10), "idempotency_key": "desk:abc"})
    assert Booking.objects.count() == 1


def test_book_a_taken_time_says_so(desk, hanako, venue, topic, tuesday_window, clock):
    factories.LessonFactory(municipality=hanako.municipality, venue=venue, topic=topic,
                            volunteer=tuesday_window.volunteer, starts_at=TUESDAY_10)
    response = desk.post(f"{DESK}learners/{hanako.pk}/book/", {
        "topic": topic.pk, "slot": slot_key(venue, TUESDAY_10), "idempotency_key": "desk:x"})
    assert response.status_code == 409 and not Booking.objects.exists()
    page = response.content.decode()
    assert "ほかの方が予約されました" in page
    # The caller is still on the line: the week's times are there again, without the one just taken.
    keys = [t.key for t in response.context["times"]]
    assert keys and slot_key(venue, TUESDAY_10) not in keys and 'name="slot"' in page


def test_proxy_booking_records_who_booked_and_consent(desk, desk_user, hanako, venue, topic, tuesday_window,
                                                      clock):
    form = {"topic": topic.pk, "slot": slot_key(venue, TUESDAY_10), "idempotency_key": "desk:p1",
            "by_proxy": "on", "proxy_name": "八女 一郎", "proxy_relation": "長男", "proxy_phone": "080-1111-2222",
            "proxy_gets_reminders": "on"}
    # Without the learner's agreement, nothing is booked.
    refused = desk.post(f"{DESK}learners/{hanako.pk}/book/", form)
    assert refused.status_code == 400 and not Booking.objects.exists()
    page = refused.content.decode()
    assert "ご本人の同意の確認が必要です" in page
    # Nothing typed about the family member is lost, and the chosen time is still chosen.
    assert 'value="八女 一郎"' in page and 'value="長男"' in page and 'value="080-1111-2222"' in page
    assert f'value="{slot_key(venue, TUESDAY_10)}" id="slot-1" required checked' in page
    desk.post(f"{DESK}learners/{hanako.pk}/book/", {**form, "learner_agreed": "on"})
    booking = Booking.objects.get()
    assert booking.booked_by_proxy and booking.channel == "proxy" and booking.entered_by == desk_user
    hanako.refresh_from_db()
    assert (hanako.proxy_name, hanako.proxy_relation, hanako.proxy_phone, hanako.proxy_gets_reminders) == (
        "八女 一郎", "長男", "+818011112222", True)
    # Reminders still go to the learner herself; the note says who booked and that she agreed.
    assert hanako.reminder_channel == Learner.ReminderChannel.SMS
    assert re.search(rf"予約番号 {booking.code}: 長男 八女 一郎 様による代理予約。ご本人の同意を確認済み。", hanako.notes)
    assert "coord@example.jp" in hanako.notes


def test_move_a_booking(desk, desk_user, hanako, venue, topic, tuesday_window, clock):
    desk.post(f"{DESK}learners/{hanako.pk}/book/", {
        "topic": topic.pk, "slot": slot_key(venue, TUESDAY_10), "idempotency_key": "desk:m"})
    booking = Booking.objects.get()
    page = desk.get(f"{DESK}bookings/{booking.pk}/move/")
    eleven = TUESDAY_10 + dt.timedelta(hours=1)
    keys = [t.key for t in page.context["times"]]
    # Two weeks of times, without the one already booked.
    assert keys[0] == slot_key(venue, eleven) and slot_key(venue, TUESDAY_10) not in keys
    response = desk.post(f"{DESK}bookings/{booking.pk}/move/", {"slot": slot_key(venue, eleven)})
    assert response.status_code == 302
    booking.refresh_from_db()
    # Same volunteer free at 11: the lesson itself moved (same booking, same code).
    assert booking.state == Booking.State.BOOKED and booking.lesson.starts_at == eleven
    assert booking.lesson.sequence == 1


def test_move_to_a_bad_slot_keeps_the_booking(desk, hanako, venue, topic, tuesday_window, clock):
    desk.post(f"{DESK}learners/{hanako.pk}/book/", {
        "topic": topic.pk, "slot": slot_key(venue, TUESDAY_10), "idempotency_key": "desk:m2"})
    booking = Booking.objects.get()
    response = desk.post(f"{DESK}bookings/{booking.pk}/move/", {"slot": "garbage"})
    assert response.status_code == 200 and "新しい時間を選んでください" in response.content.decode()
    response = desk.post(f"{DESK}bookings/{booking.pk}/move/",
                         {"slot": slot_key(venue, TUESDAY_10 + dt.timedelta(days=1))})
    booking.refresh_from_db()
    assert booking.state == Booking.State.BOOKED and booking.lesson.starts_at == TUESDAY_10


def test_cancel_a_booking(desk, desk_user, hanako, venue, topic, tuesday_window, clock):
    desk.post(f"{DESK}learners/{hanako.pk}/book/", {
        "topic": topic.pk, "slot": slot_key(venue, TUESDAY_10), "idempotency_key": "desk:c"})
    booking = Booking.objects.get()
    response = desk.post(f"{DESK}bookings/{booking.pk}/cancel/", {"reason": "体調不良"}, follow=True)
    booking.refresh_from_db()
    assert booking.state == Booking.State.CANCELLED and booking.cancel_reason == "体調不良"
    assert f"予約 {booking.code} をキャンセルしました" in " ".join(messages_of(response))
    # The time is free again.
    times = desk.get(f"{DESK}learners/{hanako.pk}/", {"topic": topic.pk}).context["times"]
    assert slot_key(venue, TUESDAY_10) in [t.key for t in times]


def test_leave_a_note(desk, hanako, clock):
    desk.post(f"{DESK}learners/{hanako.pk}/notes/", {"text": "耳が遠いのでゆっくり話す"})
    desk.post(f"{DESK}learners/{hanako.pk}/notes/", {"text": "娘さんが送迎"})
    hanako.refresh_from_db()
    lines = hanako.notes.splitlines()
    assert lines == ["[2026-12-07 08:00 coord@example.jp] 耳が遠いのでゆっくり話す",
                     "[2026-12-07 08:00 coord@example.jp] 娘さんが送迎"]
    response = desk.post(f"{DESK}learners/{hanako.pk}/notes/", {"text": "  "}, follow=True)
    assert "メモが空です" in " ".join(messages_of(response))


def test_voice_line_callers_show_as_needing_a_call_back(desk, municipality, clock):
    learner = factories.LearnerFactory(municipality=municipality, name="", phone="+81943223333",
                                       needs_callback=True)
    FollowUp.objects.create(municipality=municipality, kind=FollowUp.Kind.CALL_BACK, learner=learner,
                            opened_at=NOW, detail="自動音声で予約された方です。")
    page = desk.get(f"{DESK}learners/{learner.pk}/").content.decode()
    assert "（お名前未確認）" in page and "自動音声で予約された方です。" in page


def test_the_desk_speaks_english_when_asked(desk, hanako, settings, clock):
    desk.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = desk.get(DESK, {"q": "はなこ"}).content.decode()
    assert "Find a learner" in page and "Register someone new" in page and "1 match" in page
    page = desk.get(f"{DESK}learners/{hanako.pk}/").content.decode()
    assert "About the learner" in page and "Show free times" in page and "090-1234-5678" in page


def test_a_coordinator_of_two_cities_works_in_the_one_chosen(desk, desk_user, hanako, municipality, clock):
    other = factories.MunicipalityFactory(jis_code="402117", name="筑後市", slug="chikugo")
    factories.CoordinatorRole.objects.create(user=desk_user, municipality=other)
    chikugo = factories.LearnerFactory(municipality=other, name="筑後 次郎", phone="+819012345679")
    assert [learner.pk for learner in desk.get(DESK, {"q": "9012345679"}).context["results"]] == []
    response = desk.get(DESK, {"q": "9012345679", "m": "402117"})
    assert [learner.pk for learner in response.context["results"]] == [chikugo.pk]
    assert "筑後市" in response.content.decode()
    desk.post(f"{DESK}learners/new/?m=402117", {"phone": "0942-53-1234", "name": "筑後 三郎", "consent": "on"})
    assert Learner.objects.get(name="筑後 三郎").municipality == other
    # Both cities' learners open for someone who coordinates both.
    assert desk.get(f"{DESK}learners/{chikugo.pk}/").status_code == 200
    assert desk.get(f"{DESK}learners/{hanako.pk}/").status_code == 200


def test_book_a_time_a_volunteer_must_accept(desk, hanako, venue, topic, volunteer, clock):
    factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=1, starts=dt.time(10),
                                  ends=dt.time(11), is_instant=False)
    response = desk.post(f"{DESK}learners/{hanako.pk}/book/", {
        "topic": topic.pk, "slot": slot_key(venue, TUESDAY_10), "idempotency_key": "desk:pending"}, follow=True)
    booking = Booking.objects.get()
    assert booking.state == Booking.State.PENDING
    deadline = booking.help_request.deadline.astimezone(TOKYO)
    assert f"仮予約しました（予約番号 {booking.code}）" in " ".join(messages_of(response))
    assert f"{deadline:%m/%d %H:%M}までにご本人へ連絡します" in " ".join(messages_of(response))
    with translation.override("en"):
        assert "the learner hears by" in str(translation.gettext(
            "仮予約しました（予約番号 %(code)s）。ボランティアが承諾すると確定し、%(when)sまでにご本人へ連絡します。"))


def test_a_lesson_already_held_offers_no_cancel_or_move(desk, hanako, venue, topic, tuesday_window, clock):
    # That afternoon, the volunteer has not reported yet: the booking is still "booked".
    desk.post(f"{DESK}learners/{hanako.pk}/book/", {
        "topic": topic.pk, "slot": slot_key(venue, TUESDAY_10), "idempotency_key": "desk:held"})
    booking = Booking.objects.get()
    clock.move_to(TUESDAY_10 + dt.timedelta(hours=4))
    page = desk.get(f"{DESK}learners/{hanako.pk}/").content.decode()
    assert booking.code in page
    assert f"{DESK}bookings/{booking.pk}/cancel/" not in page and f"{DESK}bookings/{booking.pk}/move/" not in page
    response = desk.post(f"{DESK}bookings/{booking.pk}/cancel/", {"reason": "体調不良"}, follow=True)
    assert "もう始まっているか、終わっています" in " ".join(messages_of(response))
    booking.refresh_from_db()
    assert booking.state == Booking.State.BOOKED and booking.lesson.state == "scheduled"
    assert not Message.objects.filter(kind__in=["learner_cancelled", "volunteer_booking_cancelled",
                                                "volunteer_cancelled"]).exists()


def test_the_form_of_an_earlier_booking_sent_again_books_nothing_and_says_so(desk, hanako, venue, topic,
                                                                              tuesday_window, clock):
    """Back to the learner's page, another time chosen: the form still carries the first booking's
    key. It must not answer with the first booking's code as if the second were made."""
    page = desk.get(f"{DESK}learners/{hanako.pk}/")
    assert "no-store" in page["Cache-Control"]  # so Back fetches a fresh form with a fresh key
    book = f"{DESK}learners/{hanako.pk}/book/"
    desk.post(book, {"topic": topic.pk, "slot": slot_key(venue, TUESDAY_10), "idempotency_key": "desk:back"},
              follow=True)
    first = Booking.objects.get()
    response = desk.post(book, {"topic": topic.pk, "slot": slot_key(venue, TUESDAY_10 + dt.timedelta(hours=1)),
                                "idempotency_key": "desk:back"}, follow=True)
    said = " ".join(messages_of(response))
    assert "この予約画面はすでに使われました" in said and first.code not in said
    assert Booking.objects.count() == 1
    # The same form sent twice (a double click) still answers with the one booking.
    again = desk.post(book, {"topic": topic.pk, "slot": slot_key(venue, TUESDAY_10), "idempotency_key": "desk:back"},
                      follow=True)
    assert first.code in " ".join(messages_of(again)) and Booking.objects.count() == 1


def test_a_wrong_family_number_is_the_family_numbers_error(desk, hanako, venue, topic, tuesday_window, clock):
    form = {"topic": topic.pk, "slot": slot_key(venue, TUESDAY_10), "idempotency_key": "desk:p2",
            "by_proxy": "on", "proxy_name": "八女 一郎", "proxy_relation": "長男", "proxy_phone": "12",
            "learner_agreed": "on"}
    refused = desk.post(f"{DESK}learners/{hanako.pk}/book/", form)
    assert refused.status_code == 400 and not Booking.objects.exists()
    assert refused.context["booking_form"].errors["proxy_phone"] == ["ご家族の電話番号が正しくありません。もう一度お確かめください。"]
