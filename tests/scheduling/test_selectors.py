"""Finding a learner's booking by code and phone number."""

import pytest

from literacy.scheduling.models import Booking
from literacy.scheduling.selectors import booking_for_learner
from tests import factories

pytestmark = pytest.mark.django_db


def test_code_and_phone_together_find_the_booking(municipality):
    learner = factories.LearnerFactory(municipality=municipality, phone="+819012345678")
    booking = factories.BookingFactory(lesson=factories.LessonFactory(municipality=municipality), learner=learner,
                                       code="123456")
    assert booking_for_learner(municipality=municipality, code="123456", phone="090-1234-5678") == booking
    assert booking_for_learner(municipality=municipality, code="123456", phone="090-1234-5679") is None
    assert booking_for_learner(municipality=municipality, code="654321", phone="090-1234-5678") is None
    assert booking_for_learner(municipality=municipality, code="12345x", phone="090-1234-5678") is None
    assert booking_for_learner(municipality=municipality, code="123456", phone="nonsense") is None


def test_an_active_booking_wins_over_an_old_cancelled_one_with_the_same_code(municipality):
    learner = factories.LearnerFactory(municipality=municipality, phone="+819012345678")
    factories.BookingFactory(lesson=factories.LessonFactory(municipality=municipality), learner=learner,
                             code="123456", state=Booking.State.CANCELLED)
    active = factories.BookingFactory(lesson=factories.LessonFactory(municipality=municipality), learner=learner,
                                      code="123456")
    Booking.objects.filter(pk=active.pk).update(created_at=active.created_at.replace(year=2020))
    assert booking_for_learner(municipality=municipality, code="123456", phone="09012345678") == active
