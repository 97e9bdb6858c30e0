"""A lost race over HTTP: many kiosks post the same time at once; one wins, the rest get 409.

Real threads, each with its own database connection, through the full request stack. Needs
PostgreSQL (the exclusion constraint and row locks); SQLite's in-memory test database cannot
share one database between threads."""

import datetime as dt

import pytest
from django.utils import timezone

from literacy.kiosk.models import KioskDevice, hash_secret
from literacy.scheduling.models import Booking, Lesson
from tests import factories
from tests.api.conftest import client_with
from tests.conftest import NOW, TOKYO, requires_postgres
from tests.threads import run_together

RACERS = 8


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_of_one_time_one_201_the_rest_409(municipality, venue, topic, volunteer, settings, clock):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"anon": "1000/min", "user": "1000/min", "kiosk": "1000/min"}}
    start = dt.datetime.combine(NOW.date() + dt.timedelta(days=1), dt.time(10), tzinfo=TOKYO)
    factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=start.weekday(), starts=dt.time(10),
                                  ends=dt.time(11), is_instant=True)
    keys = [f"racing-kiosk-{n:02d}-key" for n in range(RACERS)]
    for key in keys:
        KioskDevice.objects.create(municipality=municipality, venue=venue, name=key, key_hash=hash_secret(key),
                                   activated_at=timezone.now())

    def book(n: int) -> int:
        client = client_with(f"Device {keys[n]}")
        body = {"topic": topic.slug, "venue": venue.pk, "start": start.isoformat(),
                "learner": {"phone": f"090-1234-{5600 + n}", "name": f"八女 花子{n}"}, "reminder_channel": "voice"}
        return client.post("/api/v1/bookings/", body, format="json").status_code

    statuses = run_together(RACERS, book)

    assert sorted(statuses) == [201] + [409] * (RACERS - 1)
    assert Booking.objects.filter(state=Booking.State.BOOKED).count() == 1
    assert Lesson.objects.active().count() == 1
