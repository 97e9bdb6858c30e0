"""Every endpoint of /api/v1/ runs a fixed number of queries, whether the city has 2 or 8 topics,
districts, venues, volunteers free on Tuesday, offers, lessons with learners, reports, requests,
learners and messages (DRF serializers are where an N+1 hides most easily)."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from literacy.notifications.models import Message
from literacy.scheduling.models import HelpRequest, Lesson, Offer
from literacy.scheduling.services import report_create
from tests import factories
from tests.api.conftest import KIOSK_KEY, client_with
from tests.api.test_bookings import body
from tests.conftest import NOW, TOKYO
from tests.query_counts import SIZES, Case, assert_pinned, get, keys_of, post

TUESDAY_10 = dt.datetime(2026, 12, 8, 10, tzinfo=TOKYO)
CITY = {"municipality": "402109"}


def busy_city(m, district, venue, topic, volunteer, size):
    # A declined request is offered to one more volunteer at every size (the number is a setting).
    m.offers_at_once = 1
    m.save()
    skill = factories.SkillFactory(topic=topic)
    volunteers = [volunteer] + [factories.VolunteerFactory(municipality=m, topics=[topic]) for _ in range(size - 1)]
    reports, offers, classes = [], [], []
    for n, person in enumerate(volunteers):
        factories.TopicFactory(municipality=m, order=n + 1)
        factories.VenueFactory(municipality=m, district=factories.DistrictFactory(municipality=m, order=n + 1))
        factories.AvailabilityFactory(volunteer=person, venue=venue, weekday=1, starts=dt.time(10), ends=dt.time(12),
                                      is_instant=True)
        learners = factories.LearnerFactory.create_batch(2, municipality=m)
        # The calling volunteer's classes: one to come and one reported, two learners each.
        coming = factories.LessonFactory(municipality=m, volunteer=volunteer, venue=venue, topic=topic,
                                         format=Lesson.Format.GROUP, seats=4,
                                         starts_at=NOW + dt.timedelta(days=2, hours=n))
        past = factories.LessonFactory(municipality=m, volunteer=volunteer, venue=venue, topic=topic,
                                       format=Lesson.Format.GROUP, seats=4, starts_at=NOW - dt.timedelta(days=n + 1))
        attendance, skills = {}, {}
        for learner in learners:
            factories.BookingFactory(lesson=coming, learner=learner)
            booking = factories.BookingFactory(lesson=past, learner=learner)
            attendance[booking.pk], skills[booking.pk] = True, [skill]
            Message.objects.create(municipality=m, channel="sms", kind=Message.Kind.LEARNER_REMINDER_MORNING,
                                   to=learner.phone, body="あした10時です", send_after=NOW, idempotency_key=f"m{booking.pk}",
                                   learner=learner, booking=booking, lesson=past)
        reports.append(report_create(lesson=past, volunteer=volunteer, attendance=attendance, duration_minutes=60,
                                     skills_by_booking=skills, note_for_next=f"メモ{n}"))
        classes.append(coming)
        request = HelpRequest.objects.create(
            municipality=m, learner=learners[0], topic=topic, venue=venue, channel="kiosk",
            wanted_starts_at=NOW + dt.timedelta(days=5, hours=n), wanted_ends_at=NOW + dt.timedelta(days=5, hours=n + 1),
            deadline=NOW + dt.timedelta(days=1), state=HelpRequest.State.OFFERED)
        offers.append(Offer.objects.create(help_request=request, volunteer=volunteer, score=40, expires_at=NOW
                                           + dt.timedelta(hours=12), reasons=[{"code": "same_venue", "points": 20}]))
        for other in volunteers[1:]:
            Offer.objects.create(help_request=request, volunteer=other, score=30, expires_at=NOW + dt.timedelta(hours=12))
    # A request offered to the calling volunteer only, at a time all the others are free too.
    declined = HelpRequest.objects.create(
        municipality=m, learner=factories.LearnerFactory(municipality=m), topic=topic, venue=venue, channel="kiosk",
        wanted_starts_at=TUESDAY_10 + dt.timedelta(days=7), wanted_ends_at=TUESDAY_10 + dt.timedelta(days=7, hours=1),
        deadline=NOW + dt.timedelta(days=1), state=HelpRequest.State.OFFERED)
    to_decline = Offer.objects.create(help_request=declined, volunteer=volunteer, score=40,
                                      expires_at=NOW + dt.timedelta(hours=12))
    # A class that ended unreported, two learners: a report writes a row or two per learner.
    to_report = factories.LessonFactory(municipality=m, volunteer=volunteer, venue=venue, topic=topic,
                                        format=Lesson.Format.GROUP, seats=4, starts_at=NOW - dt.timedelta(hours=3))
    unreported = [factories.BookingFactory(lesson=to_report) for _ in range(2)]
    # The caller of the booking look-up, with a booking on each of the coming classes.
    caller = factories.LearnerFactory(municipality=m, phone="+819012345678")
    looked_up = [factories.BookingFactory(lesson=lesson, learner=caller) for lesson in classes]
    return SimpleNamespace(offers=offers, to_decline=to_decline, classes=classes, reports=reports, to_report=to_report,
                           unreported=unreported, looked_up=looked_up[0], request=offers[0].help_request,
                           learner=caller, message=Message.objects.first(), district=district, venue=venue)


@pytest.fixture(params=SIZES, ids=lambda size: f"{size}-of-each")
def api(request, clock, municipality, district, venue, topic, volunteer, coordinator, kiosk_device):
    world = busy_city(municipality, district, venue, topic, volunteer, request.param)
    world.coordinator = client_with(f"Token {Token.objects.create(user=coordinator).key}")
    world.volunteer = client_with(f"Token {Token.objects.create(user=volunteer.user).key}")
    world.kiosk = client_with(f"Device {KIOSK_KEY}")
    world.anon = client_with()
    return world


def pk_of(name, index=None):
    return lambda w: [getattr(w, name).pk if index is None else getattr(w, name)[index].pk]


def report(w):
    return {"lesson": w.to_report.pk, "duration_minutes": 60, "note_for_next": "写真の送り方を次回に",
            "learners": [{"booking": booking.pk, "attended": True} for booking in w.unreported]}


def as_(client, method, route, **kwargs):
    return (get if method == "GET" else post)(route, client=client, **kwargs)


CASES = {
    "GET api:topic-list": as_("anon", "GET", "api:topic-list", query=CITY),
    "GET api:topic-detail": as_("anon", "GET", "api:topic-detail", args=["line"], query=CITY),
    "GET api:district-list": as_("anon", "GET", "api:district-list", query=CITY),
    "GET api:district-detail": as_("anon", "GET", "api:district-detail", args=pk_of("district"), query=CITY),
    "GET api:venue-list": as_("anon", "GET", "api:venue-list", query=CITY),
    "GET api:venue-detail": as_("anon", "GET", "api:venue-detail", args=pk_of("venue"), query=CITY),
    "GET api:slot-list": as_("anon", "GET", "api:slot-list", query=lambda w: {**CITY, "topic": "line",
                                                                              "venue": w.venue.pk}),
    "POST api:booking-create": as_("kiosk", "POST", "api:booking-create", data=lambda w: body(w.venue),
                                   format="json", status=201),
    "GET api:booking-detail": as_("anon", "GET", "api:booking-detail", args=lambda w: [w.looked_up.code],
                                  query={**CITY, "phone": "090-1234-5678"}),
    "POST api:booking-cancel": Case(send=lambda w: w.anon.post(
        reverse("api:booking-cancel", args=[w.looked_up.code]) + "?municipality=402109",
        {"phone": "090-1234-5678", "reason": "体調不良"}, format="json")),
    "GET api:offer-list": as_("volunteer", "GET", "api:offer-list"),
    "GET api:offer-detail": as_("volunteer", "GET", "api:offer-detail", args=pk_of("offers", 0)),
    "POST api:offer-accept": as_("volunteer", "POST", "api:offer-accept", args=pk_of("offers", 0), status=200),
    "POST api:offer-decline": as_("volunteer", "POST", "api:offer-decline", args=pk_of("to_decline"), status=200),
    "GET api:lesson-list": as_("volunteer", "GET", "api:lesson-list"),
    "GET api:lesson-list coordinator": as_("coordinator", "GET", "api:lesson-list"),
    "GET api:lesson-detail": as_("volunteer", "GET", "api:lesson-detail", args=pk_of("classes", 0)),
    "GET api:report-list": as_("volunteer", "GET", "api:report-list"),
    "POST api:report-list": as_("volunteer", "POST", "api:report-list", data=report, format="json", status=201),
    "GET api:report-detail": as_("volunteer", "GET", "api:report-detail", args=pk_of("reports", 0)),
    "GET api:request-list": as_("coordinator", "GET", "api:request-list"),
    "GET api:request-detail": as_("coordinator", "GET", "api:request-detail", args=pk_of("request")),
    "GET api:learner-list": as_("coordinator", "GET", "api:learner-list"),
    "GET api:learner-detail": as_("coordinator", "GET", "api:learner-detail", args=pk_of("learner")),
    "GET api:message-list": as_("coordinator", "GET", "api:message-list"),
    "GET api:message-detail": as_("coordinator", "GET", "api:message-detail", args=pk_of("message")),
    "GET api:coverage": as_("coordinator", "GET", "api:coverage"),
}
PINNED = {
    "GET api:topic-list": 3,
    "GET api:topic-detail": 2,
    "GET api:district-list": 3,
    "GET api:district-detail": 2,
    "GET api:venue-list": 3,
    "GET api:venue-detail": 2,
    "GET api:slot-list": 6,
    "POST api:booking-create": {"sqlite": 36, "postgresql": 35},
    "GET api:booking-detail": 7,
    "POST api:booking-cancel": 28,
    "GET api:offer-list": 4,
    "GET api:offer-detail": 3,
    "POST api:offer-accept": {"sqlite": 25, "postgresql": 24},
    "POST api:offer-decline": 33,
    "GET api:lesson-list": 7,
    "GET api:lesson-list coordinator": 6,
    "GET api:lesson-detail": 5,
    "GET api:report-list": 7,
    "POST api:report-list": 23,
    "GET api:report-detail": 6,
    "GET api:request-list": 4,
    "GET api:request-detail": 3,
    "GET api:learner-list": 4,
    "GET api:learner-detail": 3,
    "GET api:message-list": 4,
    "GET api:message-detail": 3,
    "GET api:coverage": {"sqlite": 8, "postgresql": 7},
}


@pytest.mark.parametrize("key", keys_of(CASES, PINNED))
def test_query_count_is_pinned_for_every_size(api, key):
    assert_pinned(key, cases=CASES, pinned=PINNED, world=api)
