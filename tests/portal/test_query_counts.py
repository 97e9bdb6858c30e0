"""Every volunteer page and answer runs a fixed number of queries, however many offers, lessons,
learners, reports, windows and days off there are (pinned exactly, so a new N+1 fails here)."""

import datetime as dt
from types import SimpleNamespace
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from literacy.portal.offer_links import offer_link_path
from literacy.scheduling.models import HelpRequest, Lesson, Offer
from literacy.scheduling.services import report_create
from tests import factories
from tests.conftest import NOW, TOKYO
from tests.portal.conftest import login
from tests.portal.test_volunteer_pages import profile_data, window_data
from tests.query_counts import SIZES, Case, assert_pinned, get, keys_of, post

FRIDAY_10 = dt.datetime(2026, 12, 11, 10, tzinfo=TOKYO)


def busy_world(volunteer, municipality, venue, topic, count):
    """`count` offers, upcoming lessons with learners, and reported past lessons with skills."""
    skill = factories.SkillFactory(topic=topic)
    factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=1)
    for i in range(count):
        learner = factories.LearnerFactory(municipality=municipality, needs_large_print=True)
        offer_to(offered_request(municipality, learner, topic, venue, i), volunteer)
        upcoming = factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                                           starts_at=NOW + dt.timedelta(days=3, hours=i))
        factories.BookingFactory(lesson=upcoming, learner=learner)
        past = factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                                       starts_at=NOW - dt.timedelta(days=30 * i + 1))
        booking = factories.BookingFactory(lesson=past, learner=learner)
        report_create(lesson=past, volunteer=volunteer, attendance={booking.pk: True}, duration_minutes=60,
                      skills_by_booking={booking.pk: [skill]}, note_for_next=f"メモ{i}")


def offered_request(municipality, learner, topic, venue, i):
    return HelpRequest.objects.create(
        municipality=municipality, learner=learner, topic=topic, venue=venue, channel="kiosk",
        wanted_starts_at=NOW + dt.timedelta(days=5, hours=i), wanted_ends_at=NOW + dt.timedelta(days=5, hours=i + 1),
        deadline=NOW + dt.timedelta(days=1), state=HelpRequest.State.OFFERED,
    )


def offer_to(help_request, volunteer):
    return Offer.objects.create(help_request=help_request, volunteer=volunteer, score=40,
                                reasons=[{"code": "same_venue", "points": 20}], expires_at=NOW + dt.timedelta(hours=12))


def class_of(learners, *, starts_at, volunteer, municipality, venue, topic):
    lesson = factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                                     format=Lesson.Format.GROUP, seats=10, starts_at=starts_at)
    for learner in learners:
        factories.BookingFactory(lesson=lesson, learner=learner)
    return lesson


@pytest.fixture(params=SIZES, ids=lambda size: f"{size}-of-each")
def world(request, client, clock, volunteer, municipality, district, venue, topic):
    size = request.param
    busy_world(volunteer, municipality, venue, topic, size)
    # What the profile and availability forms list, and the volunteer's own windows and days off.
    for n in range(size):
        factories.TopicFactory(municipality=municipality, order=n + 1)
        factories.VenueFactory(municipality=municipality, district=district)
        factories.SkillFactory(topic=topic)
        factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=n % 7, starts=dt.time(13 + n // 7),
                                      ends=dt.time(13 + n // 7, 30))
        factories.AvailabilityExceptionFactory(volunteer=volunteer, starts_on=NOW.date() + dt.timedelta(days=20 + n))
    # Classes whose learners are listed one card each: one to come, one that ended unreported.
    learners = [factories.LearnerFactory(municipality=municipality, notes="老眼鏡") for _ in range(size)]
    place = {"volunteer": volunteer, "municipality": municipality, "venue": venue, "topic": topic}
    big_class = class_of(learners, starts_at=NOW + dt.timedelta(days=2, hours=5), **place)
    to_report = class_of(learners, starts_at=NOW - dt.timedelta(hours=3), **place)
    # A report writes a row or two per learner in the class: this one has two at every size.
    small_to_report = class_of(learners[:2], starts_at=NOW - dt.timedelta(hours=5), **place)
    # A lesson to cancel, at a time `size` other volunteers could take instead (offered one at a time).
    municipality.offers_at_once = 1
    municipality.save()
    for _ in range(size):
        other = factories.VolunteerFactory(municipality=municipality, topics=[topic])
        other.venues.add(venue)
        factories.AvailabilityFactory(volunteer=other, venue=venue, weekday=4, starts=dt.time(9), ends=dt.time(17))
    to_cancel = class_of(learners[:1], starts_at=FRIDAY_10, **place)
    # An offer that `size` volunteers were sent at once: accepting it withdraws the others.
    shared = offered_request(municipality, learners[0], topic, venue, 30)
    offers = [offer_to(shared, volunteer)] + [
        offer_to(shared, factories.VolunteerFactory(municipality=municipality)) for _ in range(size - 1)]
    applicant = Client()
    applicant.force_login(factories.UserFactory())
    return SimpleNamespace(
        client=login(client, volunteer), applicant=applicant, volunteer=volunteer, topic=topic, venue=venue,
        district=district, big_class=big_class, to_report=to_report, small_to_report=small_to_report,
        to_cancel=to_cancel, offer=offers[0], day_off=volunteer.exceptions.first(),
    )


def profile(w):
    return profile_data(w.topic, w.venue, w.district)


def report(w):
    data = {"duration_minutes": "60", "topics_covered": [str(w.topic.pk)], "note_for_next": "次は写真"}
    for booking in w.small_to_report.bookings.all():
        data[f"attendance_{booking.pk}"] = "attended"
    return data


def code_sent(w):
    with mock.patch("literacy.notifications.triggers.phone_verification_requested"):
        w.client.post(reverse("portal:phone_send_code"))


def windows(w):
    return window_data([{"venue": w.venue.pk, "weekday": str(n % 7), "starts": f"{9 + n // 7}:00",
                         "ends": f"{9 + n // 7}:30"} for n in range(w.volunteer.availabilities.count())])


def lesson_of(name):
    return lambda w: [getattr(w, name).pk]


CASES = {
    "GET portal:home": get("portal:home"),
    "GET portal:apply": get("portal:apply", client="applicant"),
    "POST portal:apply": post("portal:apply", profile, client="applicant"),
    "GET portal:profile": get("portal:profile"),
    "POST portal:profile": post("portal:profile", profile),
    "POST portal:phone_send_code": post("portal:phone_send_code"),
    "POST portal:phone_verify": post("portal:phone_verify", {"code": "000000"}, before=code_sent),
    "POST portal:status": post("portal:status", {"action": "pause"}),
    "GET portal:availability": get("portal:availability"),
    "POST portal:availability": post("portal:availability", windows),
    "POST portal:exception_add": post("portal:exception_add", {"starts_on": "2027-02-01", "ends_on": "2027-02-02"}),
    "POST portal:exception_remove": post("portal:exception_remove", args=lambda w: [w.day_off.pk]),
    "GET portal:offers": get("portal:offers"),
    "POST portal:offer_answer accept": post("portal:offer_answer", args=lambda w: [w.offer.pk, "accept"],
                                            status=200),
    "POST portal:offer_answer decline": post("portal:offer_answer", args=lambda w: [w.offer.pk, "decline"],
                                             status=200),
    "GET portal:offer_link": Case(send=lambda w: Client().get(offer_link_path(w.offer))),
    "POST portal:offer_link": Case(send=lambda w: Client().post(offer_link_path(w.offer), {"answer": "accept"})),
    "GET portal:lessons": get("portal:lessons"),
    "GET portal:lesson": get("portal:lesson", args=lesson_of("big_class")),
    "GET portal:lesson_ics": get("portal:lesson_ics", args=lesson_of("big_class")),
    "POST portal:lesson_cancel": post("portal:lesson_cancel", {"reason": "体調不良"}, args=lesson_of("to_cancel")),
    "GET portal:lesson_report": get("portal:lesson_report", args=lesson_of("to_report")),
    "POST portal:lesson_report": post("portal:lesson_report", report, args=lesson_of("small_to_report")),
    "POST portal:calendar_rotate": post("portal:calendar_rotate"),
    "GET portal:impact": get("portal:impact"),
}
# A page reads the session and the user (2) and the volunteer (1), then its own rows.
PINNED = {
    "GET portal:home": 6,
    "GET portal:apply": 7,
    "POST portal:apply": 26,
    "GET portal:profile": 10,
    "POST portal:profile": 15,
    "POST portal:phone_send_code": 15,
    "POST portal:phone_verify": 8,
    "POST portal:status": 8,
    "GET portal:availability": 14,
    "POST portal:availability": 10,
    "POST portal:exception_add": 10,
    "POST portal:exception_remove": 6,
    "GET portal:offers": 4,
    "POST portal:offer_answer accept": {"sqlite": 24, "postgresql": 23},
    "POST portal:offer_answer decline": 15,
    "GET portal:offer_link": 1,
    "POST portal:offer_link": {"sqlite": 21, "postgresql": 20},
    "GET portal:lessons": 6,
    "GET portal:lesson": 6,
    "GET portal:lesson_ics": 4,
    "POST portal:lesson_cancel": 62,
    "GET portal:lesson_report": 8,
    "POST portal:lesson_report": 24,
    "POST portal:calendar_rotate": 6,
    "GET portal:impact": 8,
}


@pytest.mark.parametrize("key", keys_of(CASES, PINNED))
def test_query_count_is_pinned_for_every_size(world, key):
    assert_pinned(key, cases=CASES, pinned=PINNED, world=world)
