"""booking_lookup: the right code and phone find the booking; guessing is locked out."""

import datetime as dt

import pytest
from django.utils import translation

from literacy.core.errors import NotFoundError, TooManyAttempts
from literacy.scheduling.models import Booking, LookupAttempt
from literacy.scheduling.services import booking_lookup, lookup_attempts_prune
from tests import factories

PHONE = "+819012345678"


@pytest.fixture
def booking(municipality, clock):
    learner = factories.LearnerFactory(municipality=municipality, phone=PHONE, proxy_phone="+819087654321")
    lesson = factories.LessonFactory(municipality=municipality)
    return factories.BookingFactory(lesson=lesson, learner=learner, code="482913")


def test_right_code_and_phone_find_the_booking_in_any_written_form(booking, municipality):
    found = booking_lookup(municipality=municipality, phone="090-1234-5678", code=" 482913 ", client_key="kiosk-1")
    assert found == booking
    assert booking_lookup(municipality=municipality, phone="０９０８７６５４３２１", code="482913", client_key="kiosk-1") == booking
    # The code as a Japanese keyboard types it, or read out in two halves.
    for typed in ("４８２９１３", "482-913", "４８２　９１３"):
        assert booking_lookup(municipality=municipality, phone=PHONE, code=typed, client_key="kiosk-1") == booking
    assert not LookupAttempt.objects.filter(succeeded=False).exists()  # none of these counted as a miss


def test_wrong_code_and_unknown_phone_give_the_same_answer(booking, municipality):
    with pytest.raises(NotFoundError) as wrong_code:
        booking_lookup(municipality=municipality, phone=PHONE, code="000000", client_key="k")
    with pytest.raises(NotFoundError) as unknown_phone:
        booking_lookup(municipality=municipality, phone="09011112222", code="482913", client_key="k")
    # Nothing tells a guesser that the phone exists.
    assert (wrong_code.value.code, str(wrong_code.value)) == (unknown_phone.value.code, str(unknown_phone.value))


def test_cancelled_booking_and_other_city_are_not_found(booking, municipality):
    other_city = factories.MunicipalityFactory()
    with pytest.raises(NotFoundError):
        booking_lookup(municipality=other_city, phone=PHONE, code="482913", client_key="k")
    Booking.objects.filter(pk=booking.pk).update(state=Booking.State.CANCELLED)
    with pytest.raises(NotFoundError):
        booking_lookup(municipality=municipality, phone=PHONE, code="482913", client_key="k")


def test_client_is_locked_out_after_misses_even_for_the_right_pair(booking, municipality, settings):
    settings.BOOKING_LOOKUP_MAX_MISSES_PER_CLIENT = 5
    for guess in range(5):
        with pytest.raises(NotFoundError):
            booking_lookup(municipality=municipality, phone=PHONE, code=f"{guess:06d}", client_key="kiosk-1")
    with pytest.raises(TooManyAttempts) as refused:
        booking_lookup(municipality=municipality, phone=PHONE, code="482913", client_key="kiosk-1")
    assert refused.value.http_status == 429
    # Another device is not punished for this one's guesses (the phone's own limit is higher).
    assert booking_lookup(municipality=municipality, phone=PHONE, code="482913", client_key="kiosk-2") == booking


def test_a_kiosk_shared_by_a_community_centre_gets_more_misses_than_an_address(booking, municipality, settings):
    settings.BOOKING_LOOKUP_MAX_MISSES_PER_CLIENT = 3
    settings.BOOKING_LOOKUP_MAX_MISSES_PER_KIOSK = 6
    settings.BOOKING_LOOKUP_MAX_MISSES_PER_PHONE = 100
    for client_key, allowed in (("ip:203.0.113.9", 3), ("kiosk:7", 6)):
        for guess in range(allowed):
            with pytest.raises(NotFoundError):
                booking_lookup(municipality=municipality, phone=PHONE, code=f"{guess:06d}", client_key=client_key)
        with pytest.raises(TooManyAttempts):
            booking_lookup(municipality=municipality, phone=PHONE, code="482913", client_key=client_key)


def test_phone_is_locked_out_across_many_clients(booking, municipality, settings):
    settings.BOOKING_LOOKUP_MAX_MISSES_PER_CLIENT = 100
    settings.BOOKING_LOOKUP_MAX_MISSES_PER_PHONE = 10
    for guess in range(10):
        with pytest.raises(NotFoundError):
            booking_lookup(municipality=municipality, phone=PHONE, code=f"{guess:06d}", client_key=f"ip-{guess}")
    with pytest.raises(TooManyAttempts):
        booking_lookup(municipality=municipality, phone="090-1234-5678", code="482913", client_key="fresh-device")


def test_lockout_ends_when_the_window_passes(booking, municipality, settings, clock):
    settings.BOOKING_LOOKUP_MAX_MISSES_PER_CLIENT = 3
    settings.BOOKING_LOOKUP_WINDOW_MINUTES = 15
    for guess in range(3):
        with pytest.raises(NotFoundError):
            booking_lookup(municipality=municipality, phone=PHONE, code=f"{guess:06d}", client_key="c")
    with pytest.raises(TooManyAttempts):
        booking_lookup(municipality=municipality, phone=PHONE, code="482913", client_key="c")
    clock.shift(dt.timedelta(minutes=16))
    assert booking_lookup(municipality=municipality, phone=PHONE, code="482913", client_key="c") == booking


def test_successes_do_not_count_as_misses(booking, municipality, settings):
    settings.BOOKING_LOOKUP_MAX_MISSES_PER_CLIENT = 2
    for _ in range(5):
        booking_lookup(municipality=municipality, phone=PHONE, code="482913", client_key="c")


def test_attempts_keep_no_phone_number_and_are_pruned(booking, municipality, clock):
    with pytest.raises(NotFoundError):
        booking_lookup(municipality=municipality, phone=PHONE, code="111111", client_key="+819099998888")
    attempt = LookupAttempt.objects.get()
    assert "9012345678" not in attempt.phone_hash and "9099998888" not in attempt.client_hash
    assert not attempt.succeeded
    clock.shift(dt.timedelta(days=2))
    assert lookup_attempts_prune() == 1
    assert not LookupAttempt.objects.exists()


def test_too_many_attempts_speaks_japanese_and_english():
    assert "しばらく" in str(TooManyAttempts())
    with translation.override("en"):
        assert "Too many" in str(TooManyAttempts())


def test_a_cancelled_booking_is_found_only_when_asked(db, municipality, clock):
    from literacy.core.errors import NotFoundError
    from literacy.scheduling.services import booking_lookup

    booking = factories.BookingFactory(lesson=factories.LessonFactory(municipality=municipality), code="777777",
                                       state="cancelled")
    phone = booking.learner.phone
    with pytest.raises(NotFoundError):
        booking_lookup(municipality=municipality, phone=phone, code="777777", client_key="t")
    found = booking_lookup(municipality=municipality, phone=phone, code="777777", client_key="t", include_inactive=True)
    assert found == booking
