"""The main volunteer pages run a fixed number of queries, however many offers and lessons
there are (pinned exactly, so a new N+1 fails here)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from literacy.portal.offer_links import offer_link_path
from literacy.scheduling.services import report_create
from tests import factories
from tests.conftest import NOW
from tests.portal.conftest import login


def busy_world(volunteer, municipality, venue, topic, count):
    """`count` offers, upcoming lessons with learners, and reported past lessons with skills."""
    skill = factories.SkillFactory(topic=topic)
    factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=1)
    # Called again to grow the world: start after what exists, so no lesson overlaps another
    # (PostgreSQL's exclusion constraint refuses that).
    first = volunteer.lessons.count() // 2
    for i in range(first, first + count):
        learner = factories.LearnerFactory(municipality=municipality, needs_large_print=True)
        request = offered_request(municipality, learner, topic, venue, i)
        offer_to(request, volunteer)
        upcoming = factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                                           starts_at=NOW + dt.timedelta(days=3, hours=i))
        factories.BookingFactory(lesson=upcoming, learner=learner)
        past = factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                                       starts_at=NOW - dt.timedelta(days=30 * i + 1))
        booking = factories.BookingFactory(lesson=past, learner=learner)
        report_create(lesson=past, volunteer=volunteer, attendance={booking.pk: True}, duration_minutes=60,
                      skills_by_booking={booking.pk: [skill]}, note_for_next=f"メモ{i}")


def offered_request(municipality, learner, topic, venue, i):
    from literacy.scheduling.models import HelpRequest

    return HelpRequest.objects.create(
        municipality=municipality, learner=learner, topic=topic, venue=venue, channel="kiosk",
        wanted_starts_at=NOW + dt.timedelta(days=5, hours=i), wanted_ends_at=NOW + dt.timedelta(days=5, hours=i + 1),
        deadline=NOW + dt.timedelta(days=1), state=HelpRequest.State.OFFERED,
    )


def offer_to(help_request, volunteer):
    from literacy.scheduling.models import Offer

    return Offer.objects.create(help_request=help_request, volunteer=volunteer, score=40,
                                reasons=[{"code": "same_venue", "points": 20}], expires_at=NOW + dt.timedelta(hours=12))


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


PAGES = {
    "home": lambda v: reverse("portal:home"),
    "offers": lambda v: reverse("portal:offers"),
    "lessons": lambda v: reverse("portal:lessons"),
    "lesson": lambda v: reverse("portal:lesson", args=[v.lessons.filter(starts_at__gt=NOW).first().pk]),
    "availability": lambda v: reverse("portal:availability"),
    "impact": lambda v: reverse("portal:impact"),
    "offer_link": lambda v: offer_link_path(v.offers.first()),
}
# Each counts the session and the user (2) and the volunteer (1), then the page's own reads.
PINNED = {"home": 6, "offers": 4, "lessons": 6, "lesson": 6, "availability": 16, "impact": 8, "offer_link": 3}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_query_count_is_pinned_and_flat(client, volunteer, municipality, venue, topic, clock, page):
    busy_world(volunteer, municipality, venue, topic, 2)
    login(client, volunteer)
    small = count_queries(client, PAGES[page](volunteer))
    busy_world(volunteer, municipality, venue, topic, 6)
    large = count_queries(client, PAGES[page](volunteer))
    assert (small, large) == (PINNED[page], PINNED[page])
