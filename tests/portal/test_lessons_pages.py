"""My lessons: lists, .ics, calendar feed link and rotation, cancel with rematch, privacy."""

import datetime as dt

from django.urls import reverse
from icalendar import Calendar

from literacy.followups.models import FollowUp
from literacy.notifications import ical
from literacy.scheduling.models import Booking, HelpRequest, Lesson
from literacy.scheduling.services import lesson_cancel, report_create
from tests import factories
from tests.conftest import NOW
from tests.portal.conftest import at, login


def test_lessons_lists_upcoming_and_past_with_the_feed_url(client, volunteer, booked_lesson, venue, topic,
                                                           municipality):
    past = factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                                   starts_at=NOW - dt.timedelta(days=3))
    page = login(client, volunteer).get(reverse("portal:lessons")).content.decode()
    assert reverse("portal:lesson", args=[booked_lesson.pk]) in page
    assert reverse("portal:lesson_report", args=[past.pk]) in page  # past and unreported
    assert f"/calendar/{volunteer.calendar_token}.ics" in page


def test_rotating_the_calendar_link(client, volunteer):
    old = volunteer.calendar_token
    response = login(client, volunteer).post(reverse("portal:calendar_rotate"))
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.calendar_token != old
    page = client.get(reverse("portal:lessons")).content.decode()
    assert old not in page and volunteer.calendar_token in page


def ics_download(client, volunteer, lesson):
    response = login(client, volunteer).get(reverse("portal:lesson_ics", args=[lesson.pk]))
    assert response.status_code == 200
    return response


def test_ics_download_is_the_shared_calendar_file_saved_under_the_lessons_name(client, volunteer, booked_lesson):
    response = ics_download(client, volunteer, booked_lesson)
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="lesson-{booked_lesson.pk}.ics"'
    # Byte for byte what the notifications' builder writes (the clock is frozen, so DTSTAMP agrees).
    assert response.content.decode() == ical.lesson_download(lesson=booked_lesson)


def test_ics_download_says_what_when_and_where_and_no_learner_name(client, volunteer, booked_lesson, learner,
                                                                  settings):
    settings.SITE_URL = "https://oshieai.example.jp/"
    cal = Calendar.from_ical(ics_download(client, volunteer, booked_lesson).content)
    (event,) = cal.walk("VEVENT")
    assert cal["METHOD"] == "PUBLISH"
    assert str(event["UID"]) == booked_lesson.calendar_uid and int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == booked_lesson.starts_at
    assert event["DTSTART"].params["TZID"] == "Asia/Tokyo"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    assert str(event["SUMMARY"]) == "スマホ相談: LINEの使い方"
    assert str(event["LOCATION"]) == "八女市中央公民館 福岡県八女市本町1-1"
    assert str(event["URL"]) == f"https://oshieai.example.jp/volunteer/lessons/{booked_lesson.pk}/"
    assert str(event["STATUS"]) == "CONFIRMED"
    text = cal.to_ical().decode()
    for private in ("花子", "はなこ", "八女 花子", learner.phone, "大きな文字", "iPhone"):
        assert private not in text, private


def test_ics_download_stays_japanese_for_a_volunteer_reading_english(client, volunteer, booked_lesson):
    login(client, volunteer)
    client.cookies["django_language"] = "en"
    assert "Using LINE" in client.get(reverse("portal:lesson", args=[booked_lesson.pk])).content.decode()
    event = Calendar.from_ical(client.get(reverse("portal:lesson_ics", args=[booked_lesson.pk])).content).walk(
        "VEVENT")[0]
    assert str(event["SUMMARY"]) == "スマホ相談: LINEの使い方"  # the topic's Japanese name, not "Using LINE"


def test_ics_download_escapes_commas_semicolons_and_new_lines(client, volunteer, booked_lesson, venue):
    venue.name = "中央公民館, 2階; 第1会議室"
    venue.address = "福岡県八女市本町1-1\n（裏口から）"
    venue.save()
    text = ics_download(client, volunteer, booked_lesson).content.decode()
    assert "LOCATION:中央公民館\\, 2階\\; 第1会議室 福岡県八女市本町1-1\\n（裏口から）" in text.replace("\r\n ", "")
    event = Calendar.from_ical(text).walk("VEVENT")[0]
    assert str(event["LOCATION"]) == "中央公民館, 2階; 第1会議室 福岡県八女市本町1-1\n（裏口から）"


def test_ics_download_of_a_cancelled_lesson_replaces_the_saved_one(client, volunteer, booked_lesson, clock):
    first = Calendar.from_ical(ics_download(client, volunteer, booked_lesson).content).walk("VEVENT")[0]
    lesson_cancel(lesson=booked_lesson, reason="台風のため", rematch=False)
    event = Calendar.from_ical(ics_download(client, volunteer, booked_lesson).content).walk("VEVENT")[0]
    assert str(event["UID"]) == str(first["UID"]) and int(event["SEQUENCE"]) > int(first["SEQUENCE"])
    assert str(event["STATUS"]) == "CANCELLED"


def test_lesson_page_shows_the_venue_and_the_learner_but_masks_the_phone_until_a_day_before(
    client, volunteer, booked_lesson, venue, clock
):
    venue.access_notes = "西鉄バス 福島下車 徒歩3分"
    venue.save()
    login(client, volunteer)
    page = client.get(reverse("portal:lesson", args=[booked_lesson.pk])).content.decode()
    assert "花子" in page and "はなこ" in page and "八女 花子" not in page
    assert "大きな文字" in page and "西鉄バス" in page and "福岡県八女市本町1-1" in page
    assert "090-1234-5678" not in page and "***-****-5678" in page
    clock.move_to(booked_lesson.starts_at - dt.timedelta(hours=23))
    page = client.get(reverse("portal:lesson", args=[booked_lesson.pk])).content.decode()
    assert "090-1234-5678" in page


def test_the_previous_volunteers_note_is_shown_to_the_next_one(client, volunteer, other_volunteer, learner,
                                                               booked_lesson, municipality, venue, topic, clock):
    earlier = factories.LessonFactory(municipality=municipality, volunteer=other_volunteer, venue=venue,
                                      topic=topic, starts_at=NOW - dt.timedelta(days=7))
    booking = factories.BookingFactory(lesson=earlier, learner=learner)
    report_create(lesson=earlier, volunteer=other_volunteer, attendance={booking.pk: True}, duration_minutes=60,
                  note_for_next="スタンプの送り方から始めると安心されます")
    page = login(client, volunteer).get(reverse("portal:lesson", args=[booked_lesson.pk])).content.decode()
    assert "スタンプの送り方から始めると安心されます" in page


def test_cancel_with_a_reason_rematches_the_learner(client, volunteer, booked_lesson, learner, clock):
    response = login(client, volunteer).post(reverse("portal:lesson_cancel", args=[booked_lesson.pk]),
                                             {"reason": "急な用事"})
    assert response.status_code == 302
    booked_lesson.refresh_from_db()
    assert booked_lesson.state == Lesson.State.CANCELLED and booked_lesson.cancel_reason == "急な用事"
    booking = Booking.objects.get(learner=learner)
    assert booking.state == Booking.State.PENDING and booking.help_request is not None
    assert booking.help_request.learner == learner
    assert booking.help_request.state in (HelpRequest.State.OFFERED, HelpRequest.State.ESCALATED)
    assert not booking.help_request.offers.filter(volunteer=volunteer).exists()


def test_cancel_needs_a_reason(client, volunteer, booked_lesson):
    login(client, volunteer).post(reverse("portal:lesson_cancel", args=[booked_lesson.pk]), {"reason": ""})
    booked_lesson.refresh_from_db()
    assert booked_lesson.state == Lesson.State.SCHEDULED


def test_another_volunteers_lesson_and_report_are_404(client, other_volunteer, booked_lesson):
    login(client, other_volunteer)
    for name in ("portal:lesson", "portal:lesson_ics", "portal:lesson_report"):
        assert client.get(reverse(name, args=[booked_lesson.pk])).status_code == 404
    assert client.post(reverse("portal:lesson_cancel", args=[booked_lesson.pk]), {"reason": "x"}).status_code == 404
    booked_lesson.refresh_from_db()
    assert booked_lesson.state == Lesson.State.SCHEDULED
    assert reverse("portal:lesson", args=[booked_lesson.pk]) not in client.get(reverse("portal:lessons")).content.decode()


def test_a_reported_lesson_of_another_volunteer_is_404(client, volunteer, other_volunteer, booked_lesson, clock):
    clock.move_to(booked_lesson.ends_at)
    booking = booked_lesson.bookings.get()
    report_create(lesson=booked_lesson, volunteer=volunteer, attendance={booking.pk: True}, duration_minutes=60,
                  note_for_next="秘密ではないメモ")
    login(client, other_volunteer)
    assert client.get(reverse("portal:lesson", args=[booked_lesson.pk])).status_code == 404
    assert client.get(reverse("portal:lesson_report", args=[booked_lesson.pk])).status_code == 404


# --- Reporting through the page -------------------------------------------------------------------


def test_report_through_the_page(client, volunteer, booked_lesson, learner, topic, clock):
    skills = [factories.SkillFactory(topic=topic, name=name) for name in ("友だち追加", "写真を送る")]
    absent = factories.BookingFactory(lesson=booked_lesson)
    Lesson.objects.filter(pk=booked_lesson.pk).update(seats=2)
    present = booked_lesson.bookings.get(learner=learner)
    clock.move_to(booked_lesson.ends_at)
    login(client, volunteer)
    form_page = client.get(reverse("portal:lesson_report", args=[booked_lesson.pk])).content.decode()
    assert "友だち追加" in form_page and "花子" in form_page
    response = client.post(reverse("portal:lesson_report", args=[booked_lesson.pk]), {
        f"attendance_{present.pk}": "attended", f"skills_{present.pk}": [str(skills[0].pk)],
        f"could_teach_{present.pk}": "on",
        f"attendance_{absent.pk}": "no_show", f"skills_{absent.pk}": [str(skills[1].pk)],
        "duration_minutes": "70", "topics_covered": [str(topic.pk)], "note_for_next": "次は写真",
        "follow_up_needed": "on", "follow_up_note": "機種変更したい",
    })
    assert response.status_code == 302
    booked_lesson.refresh_from_db()
    assert booked_lesson.state == Lesson.State.COMPLETED and booked_lesson.report.duration_minutes == 70
    present.refresh_from_db()
    progress = present.progress
    assert list(progress.skills.all()) == [skills[0]] and progress.could_teach
    learner.refresh_from_db()
    assert learner.could_teach
    kinds = set(FollowUp.objects.values_list("kind", flat=True))
    assert kinds == {FollowUp.Kind.NO_SHOW, FollowUp.Kind.POSSIBLE_TEACHER, FollowUp.Kind.LESSON_FOLLOW_UP}
    page = client.get(reverse("portal:lesson", args=[booked_lesson.pk])).content.decode()
    assert "次は写真" in page and "70" in page


def test_report_needs_a_follow_up_note_when_follow_up_is_asked(client, volunteer, booked_lesson, clock):
    clock.move_to(booked_lesson.ends_at)
    booking = booked_lesson.bookings.get()
    response = login(client, volunteer).post(reverse("portal:lesson_report", args=[booked_lesson.pk]), {
        f"attendance_{booking.pk}": "attended", "duration_minutes": "60", "follow_up_needed": "on",
    })
    assert response.status_code == 200 and "フォローの内容を書いてください" in response.content.decode()
    booked_lesson.refresh_from_db()
    assert booked_lesson.state == Lesson.State.SCHEDULED


def test_a_future_lesson_cannot_be_reported(client, volunteer, booked_lesson):
    response = login(client, volunteer).get(reverse("portal:lesson_report", args=[booked_lesson.pk]))
    assert response.status_code == 409


def test_lesson_page_before_and_after_start(client, volunteer, booked_lesson, clock):
    login(client, volunteer)
    page = client.get(reverse("portal:lesson", args=[booked_lesson.pk])).content.decode()
    assert reverse("portal:lesson_cancel", args=[booked_lesson.pk]) in page
    assert reverse("portal:lesson_report", args=[booked_lesson.pk]) not in page
    clock.move_to(at(15, booked_lesson.starts_at.date()))
    page = client.get(reverse("portal:lesson", args=[booked_lesson.pk])).content.decode()
    assert reverse("portal:lesson_cancel", args=[booked_lesson.pk]) not in page
    assert reverse("portal:lesson_report", args=[booked_lesson.pk]) in page
