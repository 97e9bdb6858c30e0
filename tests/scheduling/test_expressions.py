"""The scheduling queries' own expressions give the same rows on both databases."""

import datetime as dt

import pytest

from literacy.scheduling.expressions import AmongIds, EpochSeconds, SecondsBetween
from literacy.scheduling.models import Lesson
from tests import factories
from tests.conftest import TOKYO

pytestmark = pytest.mark.django_db


@pytest.fixture
def lessons(municipality, venue, topic, volunteer):
    start = dt.datetime(2026, 12, 8, 10, tzinfo=TOKYO)
    other = factories.VolunteerFactory(municipality=municipality, topics=[topic])
    return [factories.LessonFactory(municipality=municipality, venue=venue, topic=topic, volunteer=who,
                                    starts_at=start + dt.timedelta(days=n), ends_at=start + dt.timedelta(days=n, minutes=90))
            for n, who in enumerate([volunteer, volunteer, other])]


def test_among_ids_picks_exactly_the_rows_listed(lessons, volunteer):
    picked = Lesson.objects.filter(AmongIds("volunteer_id", [volunteer.pk, 10**9])).order_by("pk")
    assert list(picked) == lessons[:2]
    assert list(Lesson.objects.filter(AmongIds("id", [lessons[2].pk]))) == [lessons[2]]
    assert not Lesson.objects.filter(AmongIds("volunteer_id", [])).exists()


def test_among_ids_takes_a_long_list(lessons):
    ids = [lesson.pk for lesson in lessons] + list(range(10**8, 10**8 + 10_000))
    assert Lesson.objects.filter(AmongIds("id", ids)).count() == 3


def test_epoch_seconds_and_seconds_between(lessons):
    row = Lesson.objects.filter(pk=lessons[0].pk).values(
        start=EpochSeconds("starts_at"), length=SecondsBetween("starts_at", "ends_at")).get()
    assert row["start"] == int(lessons[0].starts_at.timestamp()) and row["length"] == pytest.approx(5400)
