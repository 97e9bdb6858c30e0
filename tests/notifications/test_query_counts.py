"""The calendar feed, the lesson download, the token rotation and the development outbox run a
fixed number of queries, whether the volunteer has 2 or 8 lessons (with learners booked, each with
a note from an earlier lesson) and the outbox 2 or 8 messages."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.urls import reverse

from literacy.notifications.models import Message
from literacy.scheduling.models import Lesson, LessonReport
from tests import factories
from tests.conftest import NOW
from tests.query_counts import SIZES, Case, assert_pinned, get, keys_of, post


@pytest.fixture(params=SIZES, ids=lambda size: f"{size}-of-each")
def feed_world(request, client, settings, clock, municipality, venue, topic, volunteer):
    settings.DEBUG = True  # the development outbox exists only in development
    lessons = []
    for n in range(request.param):
        lessons.append(factories.LessonFactory(
            municipality=municipality, volunteer=volunteer, venue=venue, topic=topic, format=Lesson.Format.GROUP,
            seats=5, starts_at=NOW + dt.timedelta(days=n + 1), state=Lesson.State.CANCELLED if n == 1 else "scheduled"))
        # Two learners, each with a note from their last lesson (the feed's description shows it).
        earlier = factories.LessonFactory(municipality=municipality, venue=venue, topic=topic,
                                          starts_at=NOW - dt.timedelta(days=n + 1), state=Lesson.State.COMPLETED)
        LessonReport.objects.create(lesson=earlier, volunteer=earlier.volunteer, duration_minutes=60,
                                    note_for_next=f"メモ{n}")
        for learner in factories.LearnerFactory.create_batch(2, municipality=municipality):
            factories.BookingFactory(lesson=lessons[-1], learner=learner)
            factories.BookingFactory(lesson=earlier, learner=learner, state="attended")
        Message.objects.create(municipality=municipality, channel="sms", kind="learner_reminder_morning",
                               to="+819012345678", body="あした10時です", send_after=NOW, idempotency_key=f"m{n}")
    client.force_login(volunteer.user)
    return SimpleNamespace(client=client, volunteer=volunteer, lesson=lessons[0])


CASES = {
    "GET notifications:volunteer-feed": Case(send=lambda w: w.client.get(reverse(
        "notifications:volunteer-feed", args=[w.volunteer.calendar_token]))),
    "GET notifications:lesson-download": get("notifications:lesson-download", args=lambda w: [w.lesson.pk]),
    "POST notifications:calendar-token-rotate": post("notifications:calendar-token-rotate"),
    "GET notifications:dev-outbox": get("notifications:dev-outbox"),
}
PINNED = {
    "GET notifications:volunteer-feed": 6,
    "GET notifications:lesson-download": 4,
    "POST notifications:calendar-token-rotate": 6,
    "GET notifications:dev-outbox": 2,
}


@pytest.mark.parametrize("key", keys_of(CASES, PINNED))
def test_query_count_is_pinned_for_every_size(feed_world, key):
    assert_pinned(key, cases=CASES, pinned=PINNED, world=feed_world)
