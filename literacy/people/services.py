"""Writes for learners and volunteers: find-or-create a learner, record consent, opt-outs;
a volunteer's application, profile, status, availability, calendar link and phone check."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from literacy.core.errors import (
    AvailabilityOverlap,
    DomainError,
    InvalidStateChange,
    PhoneCodeInvalid,
    SmsNotPossible,
)
from literacy.core.phones import ParsedPhone, parse_phone
from literacy.followups.models import FollowUp
from literacy.followups.services import followup_open, followups_close_for
from literacy.notifications import triggers
from literacy.people.models import (
    Availability,
    AvailabilityException,
    Learner,
    Volunteer,
    VolunteerPhoneCheck,
    new_calendar_token,
)
from literacy.places.models import Municipality
from literacy.scheduling.models import Offer


@transaction.atomic
def learner_find_or_create(
    *,
    municipality: Municipality,
    phone: str,
    name: str,
    name_kana: str = "",
    channel: str,
    reminder_channel: str | None = None,
    consent_taken_by=None,
    needs_callback: bool = False,
    proxy: dict | None = None,
    now: dt.datetime | None = None,
) -> Learner:
    """The learner with this phone number and name, created (with consent recorded) if new.

    A phone number alone is not an identity: one landline may serve a couple, so the name is
    part of the key. Raises InvalidPhoneNumber, or SmsNotPossible when SMS is asked for a landline.
    The learner comes back locked (found FOR UPDATE, or inserted by this transaction), with its
    current values: inside the caller's transaction nobody else changes it until that ends.
    """
    parsed = learner_phone_check(phone=phone, reminder_channel=reminder_channel)
    now = now or timezone.now()
    # Locked here rather than by the UPDATE of last_active_at below (which locks it anyway), so
    # that what the caller reads is what it holds.
    learner = (
        Learner.objects.select_for_update().identified_by(municipality=municipality, phone=parsed, name=name).first()
    )
    if learner is None:
        learner = Learner(
            municipality=municipality,
            phone=parsed.e164,
            phone_kind=parsed.kind,
            name=name.strip(),
            name_kana=name_kana.strip(),
            reminder_channel=reminder_channel or _default_channel(parsed.can_receive_sms),
            consent_at=now,
            consent_channel=channel,
            consent_taken_by=consent_taken_by,
            created_channel=channel,
            needs_callback=needs_callback,
            last_active_at=now,
        )
        # The municipality and the consent's author were handed in as rows; the unique key is
        # the database's (handled below).
        learner.full_clean(exclude=["name_key", "municipality", "consent_taken_by"], validate_unique=False)
        try:
            with transaction.atomic():
                learner.save()
        except IntegrityError:
            # Another request created the same learner a moment ago: use theirs.
            learner = (
                Learner.objects.select_for_update().identified_by(municipality=municipality, phone=parsed, name=name).get()
            )
            learner.last_active_at = now
            learner.save(update_fields=["last_active_at"])
    else:
        changed = ["last_active_at"]
        learner.last_active_at = now
        if reminder_channel and learner.reminder_channel != reminder_channel:
            learner.reminder_channel = reminder_channel
            changed.append("reminder_channel")
        if name_kana and not learner.name_kana:
            learner.name_kana = name_kana.strip()
            changed.append("name_kana")
        if len(changed) > 1:
            changed.append("updated_at")
        learner.save(update_fields=changed)
    if proxy:
        learner_set_proxy(learner=learner, **proxy)
    return learner


def learner_phone_check(*, phone: str, reminder_channel: str | None = None) -> ParsedPhone:
    """The number as typed, parsed; InvalidPhoneNumber, or SmsNotPossible when texts are asked
    for a number that cannot receive them (a landline)."""
    parsed = parse_phone(phone)
    if reminder_channel == Learner.ReminderChannel.SMS and not parsed.can_receive_sms:
        raise SmsNotPossible()
    return parsed


def _default_channel(can_receive_sms: bool) -> str:
    return Learner.ReminderChannel.SMS if can_receive_sms else Learner.ReminderChannel.VOICE


@transaction.atomic
def learner_set_proxy(
    *, learner: Learner, name: str, relation: str = "", phone: str = "", email: str = "",
    gets_reminders: bool = False,
) -> Learner:
    """Record the family member who books or is told on the learner's behalf."""
    learner.proxy_name = name.strip()
    learner.proxy_relation = relation.strip()
    learner.proxy_phone = parse_phone(phone).e164 if phone else ""
    learner.proxy_email = email.strip()
    learner.proxy_gets_reminders = gets_reminders
    learner.full_clean(exclude=["name_key"], validate_unique=False)
    learner.save()
    return learner


@transaction.atomic
def learner_set_sms_opt_out(*, learner: Learner, opted_out: bool, now: dt.datetime | None = None) -> Learner:
    """Opt-out is recorded here, not left to the carrier (two-way SMS is unreliable in Japan)."""
    learner.sms_opted_out_at = (now or timezone.now()) if opted_out else None
    if opted_out and learner.reminder_channel == Learner.ReminderChannel.SMS:
        learner.reminder_channel = Learner.ReminderChannel.VOICE
    learner.save(update_fields=["sms_opted_out_at", "reminder_channel", "updated_at"])
    return learner


# --- Volunteers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerProfile:
    """What a volunteer tells us about themselves (topics, districts and venues as model rows)."""

    name: str
    name_kana: str = ""
    phone: str = ""
    kind: str = Volunteer.Kind.RESIDENT_HELPER
    topics: tuple = ()
    districts: tuple = ()
    venues: tuple = ()
    home_visits: bool = False
    languages: str = "ja"
    weekly_cap: int = 5


def _apply_profile(*, volunteer: Volunteer, profile: VolunteerProfile) -> None:
    """Copy the profile onto the volunteer, refusing places and topics of another municipality.
    A changed phone number is unverified until its SMS code comes back."""
    for rows in (profile.topics, profile.districts, profile.venues):
        if any(row.municipality_id != volunteer.municipality_id for row in rows):
            raise DomainError(code="other_municipality")
    phone = parse_phone(profile.phone).e164 if profile.phone.strip() else ""
    if phone != volunteer.phone:
        volunteer.phone = phone
        volunteer.phone_verified_at = None
    volunteer.name = profile.name.strip()
    volunteer.name_kana = profile.name_kana.strip()
    volunteer.kind = profile.kind
    volunteer.home_visits = profile.home_visits
    volunteer.languages = ",".join(
        code.strip().lower() for code in profile.languages.replace("、", ",").split(",") if code.strip()
    ) or "ja"
    volunteer.weekly_cap = profile.weekly_cap
    volunteer.full_clean(exclude=["user", "calendar_token"], validate_unique=False)
    volunteer.save()
    volunteer.topics.set(profile.topics)
    volunteer.districts.set(profile.districts)
    volunteer.venues.set(profile.venues)


@transaction.atomic
def volunteer_apply(
    *, user, municipality: Municipality, profile: VolunteerProfile, now: dt.datetime | None = None
) -> Volunteer:
    """A signed-up user asks to volunteer: status applied, and a case in the coordinators'
    queue to approve them. Only approved volunteers are offered lessons."""
    if Volunteer.objects.filter(user=user).exists():
        raise InvalidStateChange(code="already_applied")
    volunteer = Volunteer(user=user, municipality=municipality, status=Volunteer.Status.APPLIED)
    _apply_profile(volunteer=volunteer, profile=profile)
    followup_open(
        municipality=municipality, kind=FollowUp.Kind.VOLUNTEER_APPROVAL, volunteer=volunteer, now=now,
    )
    return volunteer


@transaction.atomic
def volunteer_update_profile(*, volunteer: Volunteer, profile: VolunteerProfile) -> Volunteer:
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    _apply_profile(volunteer=volunteer, profile=profile)
    return volunteer


class PausedByCoordinator(InvalidStateChange):
    code = "paused_by_coordinator"
    message = gettext_lazy("市の担当者が活動をお休みにしています。再開については担当者にご相談ください。")


# Who may move a volunteer from one status to another. Resuming from a pause needs no second
# approval only for someone approved before (approved_at is set).
_STATUS_CHANGES = {
    (Volunteer.Status.APPLIED, Volunteer.Status.APPROVED),
    (Volunteer.Status.PAUSED, Volunteer.Status.APPROVED),
    (Volunteer.Status.APPROVED, Volunteer.Status.PAUSED),
    (Volunteer.Status.APPLIED, Volunteer.Status.RETIRED),
    (Volunteer.Status.APPROVED, Volunteer.Status.RETIRED),
    (Volunteer.Status.PAUSED, Volunteer.Status.RETIRED),
}


@transaction.atomic
def volunteer_set_status(
    *, volunteer: Volunteer, status: str, changed_by=None, now: dt.datetime | None = None
) -> Volunteer:
    """Approve (records who and when, closes the approval case), pause, resume or retire.

    Pausing or retiring does not cancel lessons already fixed; it stops new offers (matching and
    bookable times only consider approved volunteers)."""
    now = now or timezone.now()
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if volunteer.status == status:
        return volunteer
    if (volunteer.status, status) not in _STATUS_CHANGES:
        raise InvalidStateChange()
    resuming = (volunteer.status, status) == (Volunteer.Status.PAUSED, Volunteer.Status.APPROVED)
    if resuming and volunteer.approved_at is None:
        raise InvalidStateChange(code="never_approved")
    if (
        resuming and changed_by is not None and changed_by.pk == volunteer.user_id
        and volunteer.paused_by_id not in (None, volunteer.user_id)
    ):
        raise PausedByCoordinator()
    if volunteer.status == Volunteer.Status.APPLIED and status == Volunteer.Status.APPROVED:
        volunteer.approved_by = changed_by
        volunteer.approved_at = now
    volunteer.paused_by = changed_by if status == Volunteer.Status.PAUSED else None
    volunteer.status = status
    volunteer.save(update_fields=["status", "approved_by", "approved_at", "paused_by", "updated_at"])
    if status in (Volunteer.Status.PAUSED, Volunteer.Status.RETIRED):
        # Offers still waiting for their answer run out now: the job that moves expired offers
        # on (offers_expire_due, every minute) asks each request's next candidate, instead of the
        # request waiting hours for an answer they can no longer give.
        Offer.objects.filter(volunteer=volunteer, state=Offer.State.PENDING, expires_at__gt=now).update(
            expires_at=now,
        )
    if status in (Volunteer.Status.APPROVED, Volunteer.Status.RETIRED):
        # The case's outcome is the decision, in the words of the status list.
        followups_close_for(
            kind=FollowUp.Kind.VOLUNTEER_APPROVAL, volunteer=volunteer, now=now, closed_by=changed_by,
            outcome=str(Volunteer.Status(status).label),
        )
    return volunteer


@dataclass(frozen=True)
class Window:
    """One weekly window as a volunteer enters it."""

    venue: object
    weekday: int
    starts: dt.time
    ends: dt.time
    is_instant: bool = False


@transaction.atomic
def availability_set(*, volunteer: Volunteer, windows: Iterable[Window]) -> list[Availability]:
    """Replace the volunteer's weekly windows. Windows on the same weekday must not overlap
    (they could be at two venues, and one person cannot be in two places)."""
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    windows = sorted(windows, key=lambda w: (w.weekday, w.starts))
    for earlier, later in zip(windows, windows[1:], strict=False):
        if earlier.weekday == later.weekday and later.starts < earlier.ends:
            raise AvailabilityOverlap()
    rows = []
    for window in windows:
        if window.venue.municipality_id != volunteer.municipality_id:
            raise DomainError(code="other_municipality")
        row = Availability(
            volunteer=volunteer, venue=window.venue, weekday=window.weekday, starts=window.starts,
            ends=window.ends, is_instant=window.is_instant,
        )
        # The window's venue was checked just above and its weekday is checked against the
        # field's choices; the rule left, ends after starts, is checked here in Python and by the
        # database's constraint. (full_clean's own checks would cost a query per window for the
        # venue and three per window for each constraint.)
        row.full_clean(exclude=["volunteer", "venue"], validate_constraints=False)
        if row.ends <= row.starts:
            raise ValidationError({"ends": _("終了は開始より後にしてください。")})
        rows.append(row)
    volunteer.availabilities.all().delete()
    return Availability.objects.bulk_create(rows)


@transaction.atomic
def availability_exception_add(
    *, volunteer: Volunteer, starts_on: dt.date, ends_on: dt.date, reason: str = ""
) -> AvailabilityException:
    """Days off (holidays, trips), inclusive. Lessons already fixed on those days stay; the
    volunteer cancels them separately if they must."""
    exception = AvailabilityException(
        volunteer=volunteer, starts_on=starts_on, ends_on=ends_on, reason=reason.strip()
    )
    exception.full_clean()
    exception.save()
    return exception


@transaction.atomic
def availability_exception_remove(*, volunteer: Volunteer, exception_id: int) -> None:
    deleted, _ = AvailabilityException.objects.filter(volunteer=volunteer, pk=exception_id).delete()
    if not deleted:
        raise InvalidStateChange(code="not_found")


@transaction.atomic
def volunteer_rotate_calendar_token(*, volunteer: Volunteer) -> Volunteer:
    """A new calendar-feed address; the old one stops working at once (a leaked link is dead)."""
    volunteer.calendar_token = new_calendar_token()
    volunteer.save(update_fields=["calendar_token", "updated_at"])
    return volunteer


PHONE_CODE_LIFETIME = dt.timedelta(minutes=10)
PHONE_CODE_MAX_ATTEMPTS = 5
PHONE_CODE_RESEND_AFTER = dt.timedelta(seconds=60)


def _phone_code_hash(*, volunteer_id: int, phone: str, code: str) -> str:
    return salted_hmac("oshieai.volunteer-phone-check", f"{volunteer_id}:{phone}:{code}").hexdigest()


@transaction.atomic
def volunteer_phone_verification_start(*, volunteer: Volunteer, now: dt.datetime | None = None) -> None:
    """Send a six-digit code by SMS to the profile's phone number (through the outbox). Only a
    hash is stored; a new code replaces any earlier one, at most once a minute."""
    now = now or timezone.now()
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if not volunteer.phone:
        raise PhoneCodeInvalid(code="no_phone")
    if not parse_phone(volunteer.phone).can_receive_sms:
        raise SmsNotPossible()
    latest = volunteer.phone_checks.filter(used_at__isnull=True).first()
    if latest and latest.created_at > now - PHONE_CODE_RESEND_AFTER:
        raise PhoneCodeInvalid(code="too_soon")
    volunteer.phone_checks.filter(used_at__isnull=True).update(used_at=now)
    code = f"{secrets.randbelow(1_000_000):06d}"
    VolunteerPhoneCheck.objects.create(
        volunteer=volunteer, phone=volunteer.phone, expires_at=now + PHONE_CODE_LIFETIME,
        code_hash=_phone_code_hash(volunteer_id=volunteer.pk, phone=volunteer.phone, code=code),
    )
    triggers.phone_verification_requested(volunteer=volunteer, code=code)


def volunteer_phone_verify(*, volunteer: Volunteer, code: str, now: dt.datetime | None = None) -> Volunteer:
    """Check the code against the latest one sent for the current number. A wrong guess counts
    (five and the code is dead) and is committed even though the check fails."""
    now = now or timezone.now()
    with transaction.atomic():
        volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        check = volunteer.phone_checks.select_for_update().filter(used_at__isnull=True).first()
        usable = (
            check is not None and check.phone == volunteer.phone and check.expires_at > now
            and check.attempts < PHONE_CODE_MAX_ATTEMPTS
        )
        matches = usable and constant_time_compare(
            check.code_hash,
            _phone_code_hash(volunteer_id=volunteer.pk, phone=volunteer.phone, code=code.strip()),
        )
        if matches:
            check.used_at = now
            check.save(update_fields=["used_at"])
            volunteer.phone_verified_at = now
            volunteer.save(update_fields=["phone_verified_at", "updated_at"])
            return volunteer
        if check is not None:
            check.attempts += 1
            check.save(update_fields=["attempts"])
    raise PhoneCodeInvalid()
