"""Invites, feeds and downloads parse back with icalendar; UID is stable, SEQUENCE grows, CANCEL
follows; the download carries no learner's name."""

import datetime as dt

import pytest
from icalendar import Calendar

from literacy.notifications import compose, ical, triggers
from literacy.notifications.models import Message
from literacy.people.services import volunteer_rotate_calendar_token
from literacy.scheduling.models import LessonReport
from literacy.scheduling.services import lesson_cancel, lesson_reschedule
from tests import factories
from tests.conftest import TOKYO


def parse(text):
    cal = Calendar.from_ical(text)
    return cal, list(cal.walk("VEVENT"))


@pytest.mark.django_db
def test_request_invite_has_everything_a_calendar_needs(booking, lesson):
    learner = booking.learner
    learner.needs_hearing_support = True
    learner.save()
    earlier = factories.LessonFactory(municipality=lesson.municipality, venue=lesson.venue, topic=lesson.topic,
                                      starts_at=lesson.starts_at - dt.timedelta(days=30),
                                      ends_at=lesson.starts_at - dt.timedelta(days=30, hours=-1))
    factories.BookingFactory(lesson=earlier, learner=learner, state="attended")
    LessonReport.objects.create(lesson=earlier, volunteer=earlier.volunteer, duration_minutes=60,
                                note_for_next="LINEの友だち追加まで終わりました")
    cal, (event,) = parse(ical.lesson_invite(lesson=lesson, method=ical.REQUEST))
    assert cal["METHOD"] == "REQUEST"
    assert str(event["UID"]) == lesson.calendar_uid and event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == dt.datetime(2026, 12, 9, 14, 0, tzinfo=TOKYO)
    assert event["DTSTART"].params["TZID"] == "Asia/Tokyo"
    assert event.decoded("DTSTAMP").tzinfo is not None
    assert str(event["ORGANIZER"]).startswith("mailto:") and event["ORGANIZER"].params["CN"] == "スマホ相談"
    attendee = event["ATTENDEE"]
    assert str(attendee) == f"mailto:{lesson.volunteer.user.email}"
    assert attendee.params["PARTSTAT"] == "ACCEPTED" and attendee.params["RSVP"] == "FALSE"
    assert lesson.venue.name in str(event["LOCATION"]) and lesson.venue.address in str(event["LOCATION"])
    description = str(event["DESCRIPTION"])
    assert "美智子様" in description and "長谷川" not in description  # given name only
    assert "聞こえの配慮" in description and "LINEの友だち追加まで終わりました" in description
    assert learner.phone not in description
    assert [c.name for c in event.subcomponents] == ["VALARM"]
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    assert str(event["URL"]).endswith(f"/volunteer/lessons/{lesson.pk}/")


@pytest.mark.django_db
def test_each_lesson_gets_the_note_written_before_it(booking, lesson, volunteer):
    """lesson_descriptions reads many lessons' learners and notes at once; each lesson still gets
    the note of the learner's latest report before it, not a later one."""
    learner = booking.learner

    def reported(starts_at, note):
        taught = factories.LessonFactory(municipality=lesson.municipality, venue=lesson.venue, topic=lesson.topic,
                                         starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1))
        factories.BookingFactory(lesson=taught, learner=learner, state="attended")
        LessonReport.objects.create(lesson=taught, volunteer=taught.volunteer, duration_minutes=60, note_for_next=note)

    reported(lesson.starts_at - dt.timedelta(days=30), "スタンプまで")
    reported(lesson.starts_at - dt.timedelta(days=20), "")  # an empty note does not hide the one before
    reported(lesson.starts_at + dt.timedelta(days=2), "写真の送り方まで")
    later = factories.LessonFactory(municipality=lesson.municipality, volunteer=volunteer, venue=lesson.venue,
                                    topic=lesson.topic, starts_at=lesson.starts_at + dt.timedelta(days=7),
                                    ends_at=lesson.starts_at + dt.timedelta(days=7, hours=1))
    factories.BookingFactory(lesson=later, learner=learner)
    factories.BookingFactory(lesson=later, learner=factories.LearnerFactory(municipality=lesson.municipality,
                                                                             name="黒木 初子"))
    descriptions = ical.lesson_descriptions([lesson, later])
    assert "前回のボランティアから: スタンプまで" in descriptions[lesson.pk]
    assert "写真の送り方" not in descriptions[lesson.pk]
    assert "前回のボランティアから: 写真の送り方まで" in descriptions[later.pk]
    assert "初子様" in descriptions[later.pk] and descriptions[later.pk].count("前回") == 1
    assert descriptions[lesson.pk] == ical.description_text(lesson)  # one lesson alone reads the same


@pytest.mark.django_db
def test_uid_is_stable_and_sequence_grows_and_cancel_follows(booking, lesson):
    triggers.lesson_scheduled(lesson=lesson)
    lesson = lesson_reschedule(lesson=lesson, starts_at=lesson.starts_at + dt.timedelta(days=1))
    lesson = lesson_cancel(lesson=lesson, reason="台風のため", rematch=False)
    invites = Message.objects.filter(kind__in=[Message.Kind.VOLUNTEER_INVITE, Message.Kind.VOLUNTEER_INVITE_CANCEL]).order_by("id")
    parsed = [parse(m.payload["ics"]) for m in invites]
    assert [cal["METHOD"] for cal, _ in parsed] == ["REQUEST", "REQUEST", "CANCEL"]
    events = [events[0] for _, events in parsed]
    assert {str(e["UID"]) for e in events} == {lesson.calendar_uid}
    assert [e["SEQUENCE"] for e in events] == [0, 1, 2]
    assert events[1].decoded("DTSTART") == dt.datetime(2026, 12, 10, 14, 0, tzinfo=TOKYO)
    assert str(events[2]["STATUS"]) == "CANCELLED"
    assert "台風のため" in invites.last().body


@pytest.mark.django_db
def test_feed_lists_recent_and_upcoming_lessons_and_marks_cancelled_ones(client, lesson, volunteer, daytime):
    other = factories.LessonFactory(municipality=lesson.municipality, volunteer=volunteer, venue=lesson.venue,
                                    topic=lesson.topic, starts_at=lesson.starts_at + dt.timedelta(days=7),
                                    ends_at=lesson.starts_at + dt.timedelta(days=7, hours=1))
    lesson_cancel(lesson=other, rematch=False)
    factories.LessonFactory(municipality=lesson.municipality, topic=lesson.topic, venue=lesson.venue)  # someone else's
    response = client.get(f"/calendar/{volunteer.calendar_token}.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    cal, events = parse(response.content)
    assert cal["METHOD"] == "PUBLISH"
    assert {str(e["UID"]): str(e["STATUS"]) for e in events} == {
        lesson.calendar_uid: "CONFIRMED", other.calendar_uid: "CANCELLED",
    }


@pytest.mark.django_db
def test_feed_carries_no_learner_details_but_links_to_the_lesson_page(client, booking, lesson, volunteer):
    learner = booking.learner
    learner.needs_hearing_support = True
    learner.save()
    invite = str(parse(ical.lesson_invite(lesson=lesson, method=ical.REQUEST))[1][0]["DESCRIPTION"])
    assert learner.given_name in invite  # the invite to the volunteer's own mailbox has them
    body = client.get(f"/calendar/{volunteer.calendar_token}.ics").content.decode()
    _, (event,) = parse(body.encode())
    assert learner.given_name not in body and learner.name not in body
    assert "聞こえの配慮" not in body
    assert str(event["URL"]) == ical.lesson_page_url(lesson)


@pytest.mark.django_db
def test_feed_needs_its_token_and_changes_on_rotation(client, lesson, volunteer):
    old = volunteer.calendar_token
    assert client.get("/calendar/not-the-token.ics").status_code == 404
    assert client.get(f"/calendar/{old}.ics").status_code == 200
    new = volunteer_rotate_calendar_token(volunteer=volunteer).calendar_token
    assert new != old and len(new) >= 32
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200


@pytest.mark.django_db
def test_volunteer_rotates_their_own_token(client, volunteer):
    old = volunteer.calendar_token
    client.force_login(volunteer.user)
    response = client.post("/calendar/rotate/", {"next": "/volunteer/"})
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.calendar_token != old


@pytest.mark.django_db
def test_single_lesson_download_is_for_its_volunteer_only(client, lesson):
    url = f"/calendar/lessons/{lesson.pk}.ics"
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(factories.UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(lesson.volunteer.user)
    response = client.get(url)
    _cal, (event,) = parse(response.content)
    assert str(event["UID"]) == lesson.calendar_uid


@pytest.mark.django_db
def test_the_download_is_the_invites_event_without_the_learners(booking, lesson):
    booking.learner.needs_hearing_support = True
    booking.learner.save()
    invite_cal, (invite,) = parse(ical.lesson_invite(lesson=lesson, method=ical.REQUEST))
    download_cal, (download,) = parse(ical.lesson_download(lesson=lesson))
    assert download_cal["METHOD"] == "PUBLISH"
    for name in ("UID", "SEQUENCE", "DTSTART", "DTEND", "SUMMARY", "LOCATION", "URL", "STATUS", "ORGANIZER"):
        assert download.decoded(name) == invite.decoded(name), name
    assert [tz["TZID"] for tz in download_cal.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    description = str(download["DESCRIPTION"])
    assert "LINEの使い方" in description and "0943-23-1111" in description
    assert "美智子" not in description and "聞こえの配慮" not in description
    assert "美智子" in str(invite["DESCRIPTION"])


@pytest.mark.django_db
def test_both_download_addresses_serve_the_same_file(client, lesson):
    client.force_login(lesson.volunteer.user)
    here = client.get(f"/calendar/lessons/{lesson.pk}.ics")
    portal = client.get(f"/volunteer/lessons/{lesson.pk}/lesson.ics")
    assert here.content == portal.content
    assert here["Content-Disposition"] == f'inline; filename="lesson-{lesson.pk}.ics"'
    assert portal["Content-Disposition"] == f'attachment; filename="lesson-{lesson.pk}.ics"'


def _lesson_at(lesson, days: int, **fields):
    starts = lesson.starts_at + dt.timedelta(days=days)
    return factories.LessonFactory(municipality=lesson.municipality, volunteer=lesson.volunteer, venue=lesson.venue,
                                   topic=lesson.topic, starts_at=starts, ends_at=starts + dt.timedelta(hours=1),
                                   **fields)


@pytest.mark.django_db
@pytest.mark.parametrize("lessons", [1, 40])
def test_feed_query_count_does_not_grow_with_its_lessons(client, lesson, volunteer, daytime, lessons,
                                                         django_assert_max_num_queries):
    for n in range(1, lessons):
        booked = _lesson_at(lesson, n, format="group", seats=2)
        factories.BookingFactory(lesson=booked)
        factories.BookingFactory(lesson=booked)
    # the volunteer by token, its municipality and account, the lessons, then each venue, topic and
    # municipality once
    with django_assert_max_num_queries(6):
        response = client.get(f"/calendar/{volunteer.calendar_token}.ics")
    assert response.content.count(b"BEGIN:VEVENT") == lessons


@pytest.mark.django_db
def test_the_invite_email_says_the_topic_and_whom_to_ask_once(lesson):
    message = compose.volunteer_invite(lesson=lesson, method=ical.REQUEST, key="once")
    assert message.body.count("内容: LINEの使い方") == 1
    assert message.body.count("問い合わせ:") == 1


@pytest.mark.django_db
def test_a_feeds_texts_follow_the_language_of_each_request(lesson):
    """The feed keeps the texts it repeats for every event (description, alarm) by language: a
    Japanese feed after an English one is Japanese again, and the lesson link keeps each id."""
    from django.utils import translation

    other = factories.LessonFactory(municipality=lesson.municipality, volunteer=lesson.volunteer, venue=lesson.venue,
                                    topic=lesson.topic, starts_at=lesson.starts_at + dt.timedelta(days=1),
                                    ends_at=lesson.ends_at + dt.timedelta(days=1))
    with translation.override("en"):
        english = ical.volunteer_feed(volunteer=lesson.volunteer, now=lesson.starts_at)
    with translation.override("ja"):
        japanese = ical.volunteer_feed(volunteer=lesson.volunteer, now=lesson.starts_at)
    _, english_events = parse(english.encode())
    _, japanese_events = parse(japanese.encode())
    assert "Topic:" in str(english_events[0]["DESCRIPTION"]) and "内容:" in str(japanese_events[0]["DESCRIPTION"])
    english_alarm = english_events[0].walk("VALARM")[0]["DESCRIPTION"]
    japanese_alarm = japanese_events[0].walk("VALARM")[0]["DESCRIPTION"]
    assert english_alarm != japanese_alarm and "まもなくレッスンです" in str(japanese_alarm)
    assert [str(event["URL"]) for event in japanese_events] == [ical.lesson_page_url(lesson),
                                                                 ical.lesson_page_url(other)]
    assert str(japanese_events[0]["URL"]).endswith(f"/{lesson.pk}/")
