"""Volunteer services: apply, profile, status changes, availability, calendar link, phone check."""

import datetime as dt
from unittest import mock

import pytest

from literacy.core.errors import (
    AvailabilityOverlap,
    DomainError,
    InvalidStateChange,
    PhoneCodeInvalid,
    SmsNotPossible,
)
from literacy.followups.models import FollowUp
from literacy.people.models import Volunteer, VolunteerPhoneCheck
from literacy.people.services import (
    VolunteerProfile,
    Window,
    availability_exception_add,
    availability_exception_remove,
    availability_set,
    volunteer_apply,
    volunteer_phone_verification_start,
    volunteer_phone_verify,
    volunteer_rotate_calendar_token,
    volunteer_set_status,
    volunteer_update_profile,
)
from literacy.scheduling.slots import bookable_times
from tests import factories
from tests.conftest import NOW


def profile(topic, venue, district, **kwargs):
    values = dict(name="支援 花子", name_kana="しえん はなこ", phone="090-1111-2222", topics=(topic,),
                  districts=(district,), venues=(venue,), languages="ja, EN", weekly_cap=3)
    values.update(kwargs)
    return VolunteerProfile(**values)


@pytest.fixture
def applicant(municipality, topic, venue, district, clock):
    user = factories.UserFactory(email="new@example.jp")
    return volunteer_apply(user=user, municipality=municipality, profile=profile(topic, venue, district))


def test_apply_makes_an_applied_volunteer_and_a_case_for_the_coordinators(applicant, topic, venue, district):
    assert applicant.status == Volunteer.Status.APPLIED
    assert applicant.phone == "+819011112222" and applicant.phone_verified_at is None
    assert applicant.languages == "ja,en" and applicant.weekly_cap == 3
    assert list(applicant.topics.all()) == [topic] and list(applicant.venues.all()) == [venue]
    case = FollowUp.objects.get(kind=FollowUp.Kind.VOLUNTEER_APPROVAL)
    assert case.volunteer == applicant and case.state == FollowUp.State.OPEN


def test_apply_twice_is_refused(applicant, municipality, topic, venue, district):
    with pytest.raises(InvalidStateChange):
        volunteer_apply(user=applicant.user, municipality=municipality, profile=profile(topic, venue, district))


def test_apply_refuses_a_venue_of_another_city(municipality, topic, district, clock):
    other_venue = factories.VenueFactory()
    with pytest.raises(DomainError):
        volunteer_apply(user=factories.UserFactory(), municipality=municipality,
                        profile=profile(topic, other_venue, district))
    assert not Volunteer.objects.exists()


def test_unapproved_volunteer_has_no_bookable_times_until_approved(applicant, municipality, topic, venue,
                                                                   coordinator):
    availability_set(volunteer=applicant, windows=[Window(venue=venue, weekday=1, starts=dt.time(10),
                                                          ends=dt.time(12))])
    tuesday = NOW.date() + dt.timedelta(days=1)
    args = dict(municipality=municipality, topic=topic, venue=venue, start_date=tuesday, end_date=tuesday)
    assert bookable_times(**args) == []
    volunteer = volunteer_set_status(volunteer=applicant, status=Volunteer.Status.APPROVED,
                                     changed_by=coordinator)
    assert volunteer.approved_by == coordinator and volunteer.approved_at == NOW
    assert len(bookable_times(**args)) == 2
    assert FollowUp.objects.get(kind=FollowUp.Kind.VOLUNTEER_APPROVAL).state == FollowUp.State.CLOSED
    volunteer_set_status(volunteer=volunteer, status=Volunteer.Status.PAUSED)
    assert bookable_times(**args) == []
    volunteer_set_status(volunteer=volunteer, status=Volunteer.Status.APPROVED)
    volunteer.refresh_from_db()
    assert volunteer.approved_by == coordinator  # resuming keeps the original approval
    volunteer_set_status(volunteer=volunteer, status=Volunteer.Status.RETIRED)
    with pytest.raises(InvalidStateChange):
        volunteer_set_status(volunteer=volunteer, status=Volunteer.Status.APPROVED)


def test_an_applicant_cannot_pause_into_approval(applicant):
    with pytest.raises(InvalidStateChange):
        volunteer_set_status(volunteer=applicant, status=Volunteer.Status.PAUSED)


def test_profile_update_resets_phone_verification_only_when_the_number_changes(applicant, topic, venue,
                                                                               district):
    Volunteer.objects.filter(pk=applicant.pk).update(phone_verified_at=NOW)
    applicant.refresh_from_db()
    same = volunteer_update_profile(volunteer=applicant, profile=profile(topic, venue, district, weekly_cap=4))
    assert same.phone_verified_at == NOW and same.weekly_cap == 4
    changed = volunteer_update_profile(volunteer=applicant,
                                       profile=profile(topic, venue, district, phone="080-3333-4444"))
    assert changed.phone == "+818033334444" and changed.phone_verified_at is None


def test_availability_set_replaces_windows_and_refuses_overlaps(volunteer, venue):
    first = availability_set(volunteer=volunteer, windows=[
        Window(venue=venue, weekday=0, starts=dt.time(9), ends=dt.time(11), is_instant=True),
        Window(venue=venue, weekday=0, starts=dt.time(13), ends=dt.time(15)),
    ])
    assert len(first) == 2 and volunteer.availabilities.count() == 2
    with pytest.raises(AvailabilityOverlap):
        availability_set(volunteer=volunteer, windows=[
            Window(venue=venue, weekday=2, starts=dt.time(9), ends=dt.time(11)),
            Window(venue=venue, weekday=2, starts=dt.time(10), ends=dt.time(12)),
        ])
    assert volunteer.availabilities.count() == 2  # unchanged after a refusal
    with pytest.raises(Exception):  # noqa: B017 - full_clean's ValidationError: ends before starts
        availability_set(volunteer=volunteer, windows=[Window(venue=venue, weekday=3, starts=dt.time(12),
                                                              ends=dt.time(10))])
    availability_set(volunteer=volunteer, windows=[])
    assert volunteer.availabilities.count() == 0


def test_exceptions_add_and_remove_only_ones_own(volunteer):
    day = NOW.date()
    exception = availability_exception_add(volunteer=volunteer, starts_on=day, ends_on=day + dt.timedelta(days=2),
                                           reason="旅行")
    other = factories.VolunteerFactory()
    with pytest.raises(InvalidStateChange):
        availability_exception_remove(volunteer=other, exception_id=exception.pk)
    availability_exception_remove(volunteer=volunteer, exception_id=exception.pk)
    assert not volunteer.exceptions.exists()


def test_rotating_the_calendar_token_changes_it(volunteer):
    old = volunteer.calendar_token
    assert volunteer_rotate_calendar_token(volunteer=volunteer).calendar_token != old


@pytest.fixture
def sent_codes():
    with mock.patch("literacy.notifications.triggers.phone_verification_requested") as trigger:
        yield trigger


def test_phone_verification_by_sms_code(volunteer, sent_codes, clock):
    volunteer_phone_verification_start(volunteer=volunteer)
    code = sent_codes.call_args.kwargs["code"]
    assert sent_codes.call_args.kwargs["volunteer"] == volunteer and len(code) == 6
    check = VolunteerPhoneCheck.objects.get()
    assert code not in check.code_hash and check.expires_at == NOW + dt.timedelta(minutes=10)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(PhoneCodeInvalid):
        volunteer_phone_verify(volunteer=volunteer, code=wrong)
    assert VolunteerPhoneCheck.objects.get().attempts == 1  # the failed guess was kept
    verified = volunteer_phone_verify(volunteer=volunteer, code=code)
    assert verified.phone_verified_at == NOW
    with pytest.raises(PhoneCodeInvalid):  # single use
        volunteer_phone_verify(volunteer=volunteer, code=code)


def test_phone_code_expires_and_dies_after_five_wrong_guesses(volunteer, sent_codes, clock):
    volunteer_phone_verification_start(volunteer=volunteer)
    code = sent_codes.call_args.kwargs["code"]
    clock.shift(dt.timedelta(minutes=11))
    with pytest.raises(PhoneCodeInvalid):
        volunteer_phone_verify(volunteer=volunteer, code=code)
    volunteer_phone_verification_start(volunteer=volunteer)
    code = sent_codes.call_args.kwargs["code"]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(PhoneCodeInvalid):
            volunteer_phone_verify(volunteer=volunteer, code=wrong)
    with pytest.raises(PhoneCodeInvalid):
        volunteer_phone_verify(volunteer=volunteer, code=code)
    volunteer.refresh_from_db()
    assert volunteer.phone_verified_at is None


def test_phone_code_not_resent_within_a_minute_and_never_to_a_landline(volunteer, sent_codes, clock):
    volunteer_phone_verification_start(volunteer=volunteer)
    with pytest.raises(PhoneCodeInvalid):
        volunteer_phone_verification_start(volunteer=volunteer)
    Volunteer.objects.filter(pk=volunteer.pk).update(phone="+81943231111")
    clock.shift(dt.timedelta(minutes=2))
    with pytest.raises(SmsNotPossible):
        volunteer_phone_verification_start(volunteer=volunteer)
    assert sent_codes.call_count == 1
