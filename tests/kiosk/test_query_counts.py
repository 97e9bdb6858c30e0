"""Every kiosk page and answer runs a fixed number of queries, whether the city has 2 or 8 topics,
places, volunteers with free times, classes with learners in them, and bookings of the caller."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from literacy.kiosk.services import kiosk_register
from literacy.scheduling.models import Lesson
from tests import factories
from tests.conftest import TOKYO
from tests.kiosk.conftest import slot_keys, walk
from tests.query_counts import SIZES, Case, assert_pinned, get, keys_of, post

TUESDAY = dt.date(2026, 12, 8)
THURSDAY = dt.date(2026, 12, 10)
PHONE = "090-1234-5678"


def busy_city(municipality, district, venue, topic, volunteer, size):
    """`size` of everything a kiosk page lists or searches: topics, places, volunteers free on
    Tuesday morning (confirmed at once) and Thursday morning (asked first) at the kiosk's venue,
    classes with learners, and bookings of the caller. A request is offered to two volunteers at
    once at every size: that number is a setting, not the data."""
    municipality.offers_at_once = 2
    municipality.save()
    for n in range(size - 1):
        factories.TopicFactory(municipality=municipality, order=n + 1)
        factories.VenueFactory(municipality=municipality, district=district, name=f"公民館{n}")
    caller = factories.LearnerFactory(municipality=municipality, phone="+819012345678", name="八女 花子")
    bookings = []
    for n in range(size):
        teacher = volunteer if n == 0 else factories.VolunteerFactory(municipality=municipality, topics=[topic])
        factories.AvailabilityFactory(volunteer=teacher, venue=venue, weekday=1, starts=dt.time(10),
                                      ends=dt.time(12), is_instant=True)
        factories.AvailabilityFactory(volunteer=teacher, venue=venue, weekday=3, starts=dt.time(10),
                                      ends=dt.time(12), is_instant=False)
        # A class on each of the next Wednesdays, with one seat taken by someone and one by the caller.
        starts = dt.datetime.combine(TUESDAY + dt.timedelta(days=1 + 7 * n), dt.time(14), tzinfo=TOKYO)
        lesson = factories.LessonFactory(municipality=municipality, volunteer=teacher, venue=venue, topic=topic,
                                         format=Lesson.Format.GROUP, seats=5, starts_at=starts)
        factories.BookingFactory(lesson=lesson)
        bookings.append(factories.BookingFactory(lesson=lesson, learner=caller))
    return bookings


@pytest.fixture(params=SIZES, ids=lambda size: f"{size}-of-each")
def city(request, clock, municipality, district, venue, topic, volunteer, kiosk, kiosk_client):
    bookings = busy_city(municipality, district, venue, topic, volunteer, request.param)
    return SimpleNamespace(client=kiosk_client, kiosk=kiosk, topic=topic, venue=venue, bookings=bookings)


def walked_to(step, **answers):
    """The wizard answered up to `step` (None: every step, the confirm page is next)."""
    return lambda w: walk(w.client, topic=w.topic, venue=w.venue, stop_before=step, **answers)


def first_free_time(w):
    return {"slot": slot_keys(w.client.get(reverse("kiosk:time")))[0]}


def phone_given(w):
    w.client.post(reverse("kiosk:check_phone"), {"phone": PHONE})


def booking_found(w):
    phone_given(w)
    w.client.post(reverse("kiosk:check_code"), {"code": w.bookings[-1].code})


def booked(w):
    walked_to(None)(w)
    w.client.post(reverse("kiosk:confirm"))


def new_kiosk(w):
    """A second kiosk for the same venue, not yet activated, in a browser without a device cookie."""
    _device, code = kiosk_register(venue=w.venue, name="二台目")
    return Client().post(reverse("kiosk:activate"), {"code": code})


CASES = {
    "GET kiosk:welcome": get("kiosk:welcome"),
    "GET kiosk:activate": Case(send=lambda w: Client().get(reverse("kiosk:activate"))),
    "POST kiosk:activate": Case(send=new_kiosk, status=302),
    "GET kiosk:reset": get("kiosk:reset", before=walked_to("phone"), status=302),
    "POST kiosk:prefs": post("kiosk:prefs", {"switch": "large", "next": "/kiosk/"}),
    "POST kiosk:start": post("kiosk:start", {"for": "self"}),
    "GET kiosk:topic": get("kiosk:topic", before=walked_to("topic")),
    "POST kiosk:topic": post("kiosk:topic", lambda w: {"topic": w.topic.pk}, before=walked_to("topic")),
    "GET kiosk:place": get("kiosk:place", before=walked_to("place")),
    "POST kiosk:place": post("kiosk:place", lambda w: {"venue": w.venue.pk}, before=walked_to("place")),
    "GET kiosk:day": get("kiosk:day", before=walked_to("day")),
    "POST kiosk:day": post("kiosk:day", {"day": TUESDAY.isoformat()}, before=walked_to("day")),
    "GET kiosk:time": get("kiosk:time", before=walked_to("time")),
    "POST kiosk:time": post("kiosk:time", first_free_time, before=walked_to("time")),
    "GET kiosk:phone": get("kiosk:phone", before=walked_to("phone")),
    "POST kiosk:phone": post("kiosk:phone", {"phone": PHONE}, before=walked_to("phone")),
    "GET kiosk:name": get("kiosk:name", before=walked_to("name")),
    "POST kiosk:name": post("kiosk:name", {"name": "八女 花子", "name_kana": ""}, before=walked_to("name")),
    "GET kiosk:proxy": get("kiosk:proxy", before=walked_to("proxy", for_other=True)),
    "POST kiosk:proxy": post("kiosk:proxy", {"proxy_name": "八女 一郎", "relation": "息子",
                                             "proxy_phone": "090-8765-4321", "agreed": "yes"},
                             before=walked_to("proxy", for_other=True)),
    "GET kiosk:reminder": get("kiosk:reminder", before=walked_to("reminder")),
    "POST kiosk:reminder": post("kiosk:reminder", {"reminder": "sms"}, before=walked_to("reminder")),
    "GET kiosk:confirm": get("kiosk:confirm", before=walked_to(None)),
    "POST kiosk:confirm": post("kiosk:confirm", before=walked_to(None)),
    "POST kiosk:confirm asking-volunteers": post("kiosk:confirm", before=walked_to(None, day=THURSDAY.isoformat())),
    "GET kiosk:done": get("kiosk:done", before=booked),
    "GET kiosk:check_phone": get("kiosk:check_phone"),
    "POST kiosk:check_phone": post("kiosk:check_phone", {"phone": PHONE}),
    "GET kiosk:check_code": get("kiosk:check_code", before=phone_given),
    "POST kiosk:check_code": post("kiosk:check_code", lambda w: {"code": w.bookings[-1].code}, before=phone_given),
    "GET kiosk:check_booking": get("kiosk:check_booking", before=booking_found),
    "GET kiosk:check_cancel": get("kiosk:check_cancel", before=booking_found),
    "POST kiosk:check_cancel": post("kiosk:check_cancel", before=booking_found, status=200),
}
# A page reads the device (1) and, once the wizard started, the session (1); an answer also saves
# the session. A booking writes its outbox rows one by one (each checked by full_clean), and a
# request its offers: a handful per booking, never one per row of the city.
PINNED = {
    "GET kiosk:welcome": 1,
    "GET kiosk:activate": 0,
    "POST kiosk:activate": 9,
    "GET kiosk:reset": 2,
    "POST kiosk:prefs": 5,
    "POST kiosk:start": 5,
    "GET kiosk:topic": 3,
    "POST kiosk:topic": 6,
    "GET kiosk:place": 9,
    "POST kiosk:place": 12,
    "GET kiosk:day": 7,
    "POST kiosk:day": 10,
    "GET kiosk:time": 7,
    "POST kiosk:time": 16,
    "GET kiosk:phone": 2,
    "POST kiosk:phone": 5,
    "GET kiosk:name": 2,
    "POST kiosk:name": 5,
    "GET kiosk:proxy": 2,
    "POST kiosk:proxy": 5,
    "GET kiosk:reminder": 2,
    "POST kiosk:reminder": 5,
    "GET kiosk:confirm": 4,
    "POST kiosk:confirm": {"sqlite": 39, "postgresql": 38},
    "POST kiosk:confirm asking-volunteers": 67,
    "GET kiosk:done": 3,
    "GET kiosk:check_phone": 1,
    "POST kiosk:check_phone": 5,
    "GET kiosk:check_code": 2,
    "POST kiosk:check_code": 11,
    "GET kiosk:check_booking": 3,
    "GET kiosk:check_cancel": 3,
    "POST kiosk:check_cancel": 26,
}


@pytest.mark.parametrize("key", keys_of(CASES, PINNED))
def test_query_count_is_pinned_for_every_size(city, key):
    assert_pinned(key, cases=CASES, pinned=PINNED, world=city)
