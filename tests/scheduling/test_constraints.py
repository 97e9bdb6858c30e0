"""Invariants the database enforces on every backend: check and partial unique constraints."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from literacy.scheduling.models import Booking, Lesson, Offer
from tests import factories
from tests.conftest import NOW


def test_lesson_must_end_after_start_and_have_a_seat(db):
    lesson = factories.LessonFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Lesson.objects.filter(pk=lesson.pk).update(ends_at=lesson.starts_at)
    with pytest.raises(IntegrityError), transaction.atomic():
        Lesson.objects.filter(pk=lesson.pk).update(seats=0)


def test_one_active_booking_per_learner_per_lesson(db):
    booking = factories.BookingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.BookingFactory(lesson=booking.lesson, learner=booking.learner)
    Booking.objects.filter(pk=booking.pk).update(state=Booking.State.CANCELLED)
    factories.BookingFactory(lesson=booking.lesson, learner=booking.learner)  # a cancelled one does not count


def test_booking_codes_unique_among_active_bookings_of_a_municipality(db):
    booking = factories.BookingFactory(code="123456")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.BookingFactory(lesson=factories.LessonFactory(municipality=booking.municipality), code="123456")
    factories.BookingFactory(code="123456")  # another municipality may use it
    Booking.objects.filter(pk=booking.pk).update(state=Booking.State.ATTENDED)
    factories.BookingFactory(lesson=factories.LessonFactory(municipality=booking.municipality), code="123456")


def test_only_one_accepted_offer_per_request(db, municipality, topic):
    from literacy.scheduling.models import HelpRequest

    learner = factories.LearnerFactory(municipality=municipality)
    request = HelpRequest.objects.create(municipality=municipality, learner=learner, topic=topic, channel="kiosk",
                                         deadline=NOW + dt.timedelta(hours=1))
    Offer.objects.create(help_request=request, volunteer=factories.VolunteerFactory(municipality=municipality),
                         score=1, expires_at=NOW, state=Offer.State.ACCEPTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Offer.objects.create(help_request=request, volunteer=factories.VolunteerFactory(municipality=municipality),
                             score=1, expires_at=NOW, state=Offer.State.ACCEPTED)
