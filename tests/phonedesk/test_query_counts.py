"""Every phone-desk page and action runs a fixed number of queries, whether the search finds 2 or
8 learners, and the caller has 2 or 8 past and coming bookings, with notes, cases and messages,
at a city with 2 or 8 venues and volunteers free on Tuesday."""

import datetime as dt
from types import SimpleNamespace

import pytest

from literacy.followups.models import FollowUp
from literacy.notifications.models import Message
from literacy.scheduling.models import Booking, Lesson
from tests import factories
from tests.conftest import NOW, TOKYO
from tests.phonedesk.test_phone_desk import slot_key
from tests.query_counts import SIZES, assert_pinned, get, keys_of, post

TUESDAY_10 = dt.datetime(2026, 12, 8, 10, tzinfo=TOKYO)


def busy_desk(m, district, venue, topic, volunteer, size):
    volunteers = [volunteer] + [factories.VolunteerFactory(municipality=m, topics=[topic]) for _ in range(size - 1)]
    for n, person in enumerate(volunteers):
        factories.AvailabilityFactory(volunteer=person, venue=venue, weekday=1, starts=dt.time(10), ends=dt.time(12),
                                      is_instant=True)
        other_venue = factories.VenueFactory(municipality=m, district=district, name=f"公民館{n}")
        factories.AvailabilityFactory(volunteer=person, venue=other_venue, weekday=1, starts=dt.time(13),
                                      ends=dt.time(15), is_instant=True)
        factories.LearnerFactory(municipality=m, name=f"八女 太郎{n}", name_kana="やめ たろう")
    hanako = factories.LearnerFactory(municipality=m, name="八女 花子", name_kana="やめ はなこ", phone="+819012345678",
                                      district=district, notes="耳が遠い")
    bookings = []
    for n, person in enumerate(volunteers):
        past = factories.LessonFactory(municipality=m, volunteer=person, venue=venue, topic=topic,
                                       starts_at=NOW - dt.timedelta(days=7 * n + 3), state=Lesson.State.COMPLETED)
        factories.BookingFactory(lesson=past, learner=hanako, state=Booking.State.ATTENDED)
        coming = factories.LessonFactory(municipality=m, volunteer=person, venue=venue, topic=topic,
                                         starts_at=TUESDAY_10 + dt.timedelta(days=1 + 7 * n))
        bookings.append(factories.BookingFactory(lesson=coming, learner=hanako))
        FollowUp.objects.create(municipality=m, kind=FollowUp.Kind.NO_SHOW, learner=hanako, booking=bookings[-1],
                                opened_at=NOW - dt.timedelta(hours=n + 1))
        Message.objects.create(municipality=m, channel="voice", kind="learner_reminder_day_before",
                               to=hanako.phone, body="あしたです", send_after=NOW, idempotency_key=f"m{n}",
                               learner=hanako, booking=bookings[-1])
    return SimpleNamespace(hanako=hanako, booking=bookings[0], venue=venue, topic=topic, district=district)


@pytest.fixture(params=SIZES, ids=lambda size: f"{size}-of-each")
def desk_world(request, clock, municipality, district, venue, topic, volunteer, desk):
    world = busy_desk(municipality, district, venue, topic, volunteer, request.param)
    world.client = desk
    return world


def hanako(w):
    return [w.hanako.pk]


def booking(w):
    return [w.booking.pk]


CASES = {
    "GET phonedesk:desk": get("phonedesk:desk"),
    "GET phonedesk:desk search": get("phonedesk:desk", query={"q": "やめ"}),
    "POST phonedesk:learner_create": post("phonedesk:learner_create", {
        "phone": "0943-22-1234", "name": "星野 トメ", "name_kana": "ほしの とめ", "consent": "on"}),
    "GET phonedesk:learner": get("phonedesk:learner", args=hanako),
    "GET phonedesk:learner times": get("phonedesk:learner", args=hanako, query=lambda w: {
        "topic": w.topic.pk, "district": w.district.pk}),
    "POST phonedesk:learner_book": post("phonedesk:learner_book", lambda w: {
        "topic": w.topic.pk, "slot": slot_key(w.venue, TUESDAY_10), "idempotency_key": "desk:abc"}, args=hanako),
    "POST phonedesk:learner_note": post("phonedesk:learner_note", {"text": "次回は娘さんが同席"}, args=hanako),
    "POST phonedesk:booking_cancel": post("phonedesk:booking_cancel", {"reason": "体調不良"}, args=booking),
    "GET phonedesk:booking_move": get("phonedesk:booking_move", args=booking),
    "POST phonedesk:booking_move": post("phonedesk:booking_move", lambda w: {
        "slot": slot_key(w.venue, TUESDAY_10)}, args=booking),
}
PINNED = {
    "GET phonedesk:desk": 5,
    "GET phonedesk:desk search": 7,
    "POST phonedesk:learner_create": 13,
    "GET phonedesk:learner": 12,
    "GET phonedesk:learner times": 19,
    "POST phonedesk:learner_book": {"sqlite": 37, "postgresql": 36},
    "POST phonedesk:learner_note": 9,
    "POST phonedesk:booking_cancel": 41,
    "GET phonedesk:booking_move": 12,
    "POST phonedesk:booking_move": {"sqlite": 35, "postgresql": 34},
}


@pytest.mark.parametrize("key", keys_of(CASES, PINNED))
def test_query_count_is_pinned_for_every_size(desk_world, key):
    assert_pinned(key, cases=CASES, pinned=PINNED, world=desk_world)
