"""A learner's rights under Japan's personal-information law: export what we hold, erase it,
and anonymise learners nobody has heard from for years — keeping the statistics whole.

Anonymising keeps every booking, lesson, request and progress row (the city's counts per
district and topic must not change) but replaces everything that says who the person was:
name, kana, phone, family proxy, notes, free-text notes about them, and the bodies and
recipients of the messages sent to them.

Some rows hold a learner's phone number without a link to the learner: a voicemail or a
call-limit case, a text from the number that could not be tied to anyone, a call to the voice
line before the caller was known. They count as the learner's when no one else in the city
shares the number; a landline shared by a couple leaves them alone, since they may be the other
person's. Export hands them over and erasure clears them on the same rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from literacy.core.errors import InvalidStateChange
from literacy.core.stored_text import in_program_language
from literacy.coverage.models import AuditEvent
from literacy.coverage.services import audit_record
from literacy.followups.models import FollowUp
from literacy.notifications.models import DeliveryEvent, InboundMessage, Message
from literacy.people.models import Learner, Volunteer
from literacy.scheduling.models import Booking, HelpRequest, LearnerProgress, LessonReport
from literacy.telephony.models import CallSession

ANONYMISED_NAME = "（匿名化済み）"


class LearnerHasActiveBookings(InvalidStateChange):
    code = "learner_has_active_bookings"
    message = _("予約または相談の依頼が進行中のため、消去できません。先に取り消してから、もう一度お試しください。")


@dataclass(frozen=True)
class ErasureBlockers:
    """What must be cancelled before a learner can be erased: nobody may wait for a person we forgot."""

    bookings: list[Booking]
    help_requests: list[HelpRequest]

    def __bool__(self) -> bool:
        return bool(self.bookings or self.help_requests)


def erasure_blockers(*, learner: Learner, now: dt.datetime | None = None) -> ErasureBlockers:
    now = now or timezone.now()
    return ErasureBlockers(
        bookings=list(
            # A lesson already begun waits for nobody (and can no longer be cancelled): only its
            # volunteer's report is still to come.
            Booking.objects.active().filter(Q(lesson__isnull=True) | Q(lesson__starts_at__gt=now), learner=learner)
            .select_related("lesson__topic", "lesson__venue").order_by("lesson__starts_at", "id")
        ),
        help_requests=list(
            HelpRequest.objects.filter(learner=learner, state__in=HelpRequest.ACTIVE_STATES)
            .select_related("topic").order_by("created_at", "id")
        ),
    )


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _number_is_theirs_alone(learner: Learner) -> bool:
    return bool(learner.phone) and not (
        Learner.objects.filter(municipality_id=learner.municipality_id, phone=learner.phone, anonymised_at__isnull=True)
        .exclude(pk=learner.pk).exists()
    )


def _theirs(learner: Learner, *, link: str, number_field: str, alone: bool) -> Q:
    """Rows linked to the learner, and, when the number is theirs alone, the rows of the city that
    hold the number with no learner linked."""
    linked = Q(**{link: learner})
    if not alone:
        return linked
    return linked | Q(**{f"{link}__isnull": True, number_field: learner.phone})


def _follow_ups(learner: Learner, *, alone: bool):
    return FollowUp.objects.filter(_theirs(learner, link="learner", number_field="caller_phone", alone=alone),
                                   municipality_id=learner.municipality_id)


def _inbound_messages(learner: Learner, *, alone: bool):
    return InboundMessage.objects.filter(_theirs(learner, link="learner", number_field="from_number", alone=alone),
                                         municipality_id=learner.municipality_id)


def _calls(learner: Learner, *, alone: bool):
    return CallSession.objects.filter(_theirs(learner, link="learner", number_field="caller_key", alone=alone),
                                      municipality_id=learner.municipality_id)


def learner_export(*, learner: Learner, by=None, ip: str | None = None) -> dict:
    """Everything held about one learner, as plain JSON-ready data (for a disclosure request)."""
    bookings = (
        Booking.objects.filter(learner=learner)
        .select_related("lesson__venue", "lesson__topic").order_by("created_at", "id")
    )
    progress = (
        LearnerProgress.objects.filter(learner=learner)
        .select_related("report__lesson__topic").prefetch_related("skills").order_by("id")
    )
    alone = _number_is_theirs_alone(learner)
    data = {
        "profile": {
            "id": learner.pk, "municipality": learner.municipality.name, "name": learner.name,
            "name_kana": learner.name_kana, "phone": learner.phone, "phone_kind": learner.phone_kind,
            "reminder_channel": learner.reminder_channel,
            "district": learner.district.name if learner.district_id else None,
            "device": learner.device, "needs_large_print": learner.needs_large_print,
            "needs_hearing_support": learner.needs_hearing_support,
            "needs_mobility_support": learner.needs_mobility_support,
            "needs_home_visit": learner.needs_home_visit, "language": learner.language,
            "notes": learner.notes, "could_teach": learner.could_teach,
            "created_channel": learner.created_channel, "created_at": _iso(learner.created_at),
            "last_active_at": _iso(learner.last_active_at), "sms_opted_out_at": _iso(learner.sms_opted_out_at),
            "anonymised_at": _iso(learner.anonymised_at),
        },
        "proxy": {
            "name": learner.proxy_name, "relation": learner.proxy_relation, "phone": learner.proxy_phone,
            "email": learner.proxy_email, "gets_reminders": learner.proxy_gets_reminders,
        },
        "consent": {
            "at": _iso(learner.consent_at), "channel": learner.consent_channel,
            "taken_by": getattr(learner.consent_taken_by, "email", None),
        },
        "bookings": [
            {
                "code": b.code, "state": b.state, "channel": b.channel, "created_at": _iso(b.created_at),
                "booked_by_proxy": b.booked_by_proxy, "cancelled_at": _iso(b.cancelled_at),
                "cancel_reason": b.cancel_reason,
                "lesson": {
                    "starts_at": _iso(b.lesson.starts_at), "ends_at": _iso(b.lesson.ends_at),
                    "venue": b.lesson.venue.name, "topic": b.lesson.topic.name, "state": b.lesson.state,
                } if b.lesson_id else None,
            }
            for b in bookings
        ],
        "help_requests": [
            {
                "topic": r.topic.name, "state": r.state, "channel": r.channel, "created_at": _iso(r.created_at),
                "wanted_starts_at": _iso(r.wanted_starts_at), "preference_note": r.preference_note,
            }
            for r in HelpRequest.objects.filter(learner=learner).select_related("topic").order_by("created_at", "id")
        ],
        "progress": [
            {
                "lesson_starts_at": _iso(p.report.lesson.starts_at), "topic": p.report.lesson.topic.name,
                "skills": [skill.name for skill in p.skills.all()], "went_well": p.went_well,
                "could_teach": p.could_teach,
            }
            for p in progress
        ],
        "messages": [
            {
                "channel": m.channel, "kind": m.kind, "to": m.to, "body": m.body, "state": m.state,
                "created_at": _iso(m.created_at), "sent_at": _iso(m.sent_at),
            }
            for m in Message.objects.filter(learner=learner).order_by("created_at", "id")
        ],
        "inbound_messages": [
            {"channel": i.channel, "from": i.from_number, "body": i.body, "action": i.action,
             "received_at": _iso(i.received_at)}
            for i in _inbound_messages(learner, alone=alone).order_by("received_at", "id")
        ],
        "follow_ups": [
            {"kind": f.kind, "state": f.state, "caller_phone": f.caller_phone, "recording_url": f.recording_url,
             "detail": f.detail, "opened_at": _iso(f.opened_at), "closed_at": _iso(f.closed_at), "outcome": f.outcome}
            for f in _follow_ups(learner, alone=alone).order_by("opened_at", "id")
        ],
        "voice_line_calls": [
            {"from": c.from_number, "step": c.step, "choices": c.data, "started_at": _iso(c.created_at),
             "ended_at": _iso(c.ended_at)}
            for c in _calls(learner, alone=alone).order_by("created_at", "id")
        ],
    }
    audit_record(actor=by, municipality=learner.municipality, action=AuditEvent.Action.EXPORT,
                 object_type="learner", object_id=learner.pk, detail="learner_export", ip=ip)
    return data


@transaction.atomic
def learner_erase(
    *, learner: Learner, by, reason: str = "", ip: str | None = None, now: dt.datetime | None = None,
) -> Learner:
    """Anonymise one learner on their request (the reason goes to the audit log). Refused while
    they hold an active booking or request: a coordinator cancels those first, so no volunteer
    waits for a person we forgot. Erasing an already anonymised learner does nothing."""
    now = now or timezone.now()
    learner = Learner.objects.select_for_update().get(pk=learner.pk)
    if learner.anonymised_at:
        return learner
    if erasure_blockers(learner=learner):
        raise LearnerHasActiveBookings()
    _anonymise(learner, now=now)
    detail = f"learner_erase (on request): {reason.strip()}" if reason.strip() else "learner_erase (on request)"
    audit_record(actor=by, municipality=learner.municipality, action=AuditEvent.Action.ERASE,
                 object_type="learner", object_id=learner.pk, detail=detail, ip=ip)
    return learner


def _anonymise(learner: Learner, *, now: dt.datetime) -> None:
    # Built while the learner still has their number: each query holds it from here on.
    alone = _number_is_theirs_alone(learner)
    follow_ups = _follow_ups(learner, alone=alone)
    inbound = _inbound_messages(learner, alone=alone)
    calls = _calls(learner, alone=alone)
    learner.name = ANONYMISED_NAME
    learner.name_kana = ""
    # Unique per learner (the (municipality, phone, name) key stays unique) and never dialable.
    learner.phone = f"anonymised-{learner.pk}"[:20]
    learner.reminder_channel = Learner.ReminderChannel.NONE
    learner.notes = ""
    learner.proxy_name = learner.proxy_relation = learner.proxy_phone = learner.proxy_email = ""
    learner.proxy_gets_reminders = False
    learner.needs_callback = False
    learner.anonymised_at = now
    learner.save()
    messages = Message.objects.filter(learner=learner)
    DeliveryEvent.objects.filter(message__in=messages).update(raw={})
    # Nothing more goes to someone we no longer know.
    messages.filter(state=Message.State.PENDING).update(
        state=Message.State.CANCELLED, error_code="anonymised", updated_at=now,
    )
    messages.update(to="", body="", subject="", payload={}, error_message="", updated_at=now)
    inbound.update(from_number="", body="", reply="")
    # A case without its number, recording or words is nothing a coordinator can act on: the open
    # ones (a voicemail, a number calling too often) are closed, saying why.
    with in_program_language():
        outcome = gettext("ご本人の依頼により、この方の情報を消去しました。")
    follow_ups.filter(learner__isnull=True, state=FollowUp.State.OPEN).update(
        state=FollowUp.State.CLOSED, closed_at=now, outcome=outcome,
    )
    follow_ups.update(caller_phone="", recording_url="", detail="")
    calls.update(from_number="", caller_key="", data={}, updated_at=now)
    Booking.objects.filter(learner=learner).update(cancel_reason="", updated_at=now)
    HelpRequest.objects.filter(learner=learner).update(preference_note="", updated_at=now)
    # A volunteer's note about a lesson only this learner attended is a note about them.
    others = Booking.objects.filter(lesson=OuterRef("lesson")).exclude(learner=learner)
    LessonReport.objects.filter(lesson__bookings__learner=learner).exclude(Exists(others)).update(
        note_for_next="", follow_up_note="", updated_at=now,
    )
    Volunteer.objects.filter(former_learner=learner).update(former_learner=None)


def inactive_learners(*, years: int, now: dt.datetime | None = None):
    """Learners not anonymised with no sign of life (activity, booking, lesson, request) since."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=round(365.25 * years))
    recent_booking = Booking.objects.filter(learner=OuterRef("pk")).filter(
        Q(updated_at__gte=cutoff) | Q(lesson__starts_at__gte=cutoff)
    )
    recent_request = HelpRequest.objects.filter(learner=OuterRef("pk"), updated_at__gte=cutoff)
    return (
        Learner.objects.filter(anonymised_at__isnull=True, created_at__lt=cutoff)
        .filter(Q(last_active_at__isnull=True) | Q(last_active_at__lt=cutoff))
        .exclude(Exists(recent_booking)).exclude(Exists(recent_request))
    )


@dataclass(frozen=True)
class PurgeReport:
    anonymised: int
    learner_ids: list[int]


def personal_data_purge(*, years: int, dry_run: bool = False, now: dt.datetime | None = None) -> PurgeReport:
    """Anonymise every learner inactive for `years` years; one transaction per learner, so a
    failure part-way keeps what was done and the next run carries on."""
    now = now or timezone.now()
    ids = list(inactive_learners(years=years, now=now).order_by("pk").values_list("pk", flat=True))
    if dry_run:
        return PurgeReport(anonymised=0, learner_ids=ids)
    done = []
    for learner_id in ids:
        with transaction.atomic():
            learner = Learner.objects.select_for_update().filter(pk=learner_id, anonymised_at__isnull=True).order_by().first()
            if learner is None:
                continue
            _anonymise(learner, now=now)
            audit_record(actor=None, municipality=learner.municipality, action=AuditEvent.Action.ERASE,
                         object_type="learner", object_id=learner.pk,
                         detail=f"purge_personal_data: inactive {years} years")
            done.append(learner_id)
    return PurgeReport(anonymised=len(done), learner_ids=done)
