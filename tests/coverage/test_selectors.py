"""Coverage by district: lessons, distinct learners helped, waiting requests, per 1,000 seniors."""

import datetime as dt

import pytest

from literacy.coverage.selectors import district_coverage
from literacy.scheduling.models import Booking, HelpRequest
from tests import factories
from tests.conftest import NOW

pytestmark = pytest.mark.django_db


def test_counts_per_district(municipality, district, venue, volunteer, topic, django_assert_num_queries):
    quiet = factories.DistrictFactory(municipality=municipality, name="星野", senior_population=0)
    lesson = factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                                     starts_at=NOW - dt.timedelta(days=3))
    learner = factories.LearnerFactory(municipality=municipality)
    factories.BookingFactory(lesson=lesson, learner=learner, state=Booking.State.ATTENDED)
    later = factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                                    starts_at=NOW - dt.timedelta(days=1))
    factories.BookingFactory(lesson=later, learner=learner, state=Booking.State.ATTENDED)
    factories.BookingFactory(lesson=later, state=Booking.State.NO_SHOW)
    HelpRequest.objects.create(municipality=municipality, learner=learner, topic=topic, district=district,
                               channel="kiosk", deadline=NOW)
    # Outside the range, and another city's: not counted.
    factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                            starts_at=NOW - dt.timedelta(days=60))
    factories.LessonFactory(starts_at=NOW - dt.timedelta(days=1))

    with django_assert_num_queries(4):
        rows = district_coverage(municipality=municipality, start=NOW - dt.timedelta(days=30), end=NOW)
    by_district = {row.district: row for row in rows}
    central = by_district[district]
    assert (central.lessons, central.learners_helped, central.open_requests) == (2, 1, 1)
    assert central.helped_per_thousand == round(1000 / 12000, 2)
    assert (by_district[quiet].lessons, by_district[quiet].helped_per_thousand) == (0, None)
