"""Writes for learners and volunteers: find-or-create a learner, record consent, opt-outs."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from literacy.core.errors import InvalidStateChange, SmsNotPossible
from literacy.core.phones import parse_phone
from literacy.followups.models import FollowUp
from literacy.followups.services import followup_close
from literacy.people.models import Learner, Volunteer, name_key
from literacy.places.models import Municipality


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
    """
    parsed = parse_phone(phone)
    now = now or timezone.now()
    if reminder_channel == Learner.ReminderChannel.SMS and not parsed.can_receive_sms:
        raise SmsNotPossible()
    learner = Learner.objects.filter(
        municipality=municipality, phone=parsed.e164, name_key=name_key(name)
    ).first()
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
        )
        learner.full_clean(exclude=["name_key"], validate_unique=False)
        try:
            with transaction.atomic():
                learner.save()
        except IntegrityError:
            # Another request created the same learner a moment ago: use theirs.
            learner = Learner.objects.get(
                municipality=municipality, phone=parsed.e164, name_key=name_key(name)
            )
    else:
        changed = []
        if reminder_channel and learner.reminder_channel != reminder_channel:
            learner.reminder_channel = reminder_channel
            changed.append("reminder_channel")
        if name_kana and not learner.name_kana:
            learner.name_kana = name_kana.strip()
            changed.append("name_kana")
        if changed:
            learner.save(update_fields=[*changed, "updated_at"])
    if proxy:
        learner_set_proxy(learner=learner, **proxy)
    learner.last_active_at = now
    learner.save(update_fields=["last_active_at"])
    return learner


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


@transaction.atomic
def volunteer_set_status(*, volunteer: Volunteer, status: str, by) -> Volunteer:
    """Approve, pause or retire a volunteer. Approval records who and when; an approval case
    waiting in the coordinators' queue is closed with the decision as its outcome."""
    if status not in Volunteer.Status.values:
        raise InvalidStateChange(code="unknown_status")
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    now = timezone.now()
    volunteer.status = status
    fields = ["status", "updated_at"]
    if status == Volunteer.Status.APPROVED and volunteer.approved_at is None:
        volunteer.approved_by = by
        volunteer.approved_at = now
        fields += ["approved_by", "approved_at"]
    volunteer.save(update_fields=fields)
    for followup in FollowUp.objects.filter(
        volunteer=volunteer, kind=FollowUp.Kind.VOLUNTEER_APPROVAL, state=FollowUp.State.OPEN
    ):
        followup_close(followup=followup, outcome=str(Volunteer.Status(status).label), closed_by=by, now=now)
    return volunteer
