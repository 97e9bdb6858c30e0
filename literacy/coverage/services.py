"""Coordinator writes that belong to no other room: the audit trail and resending from the outbox."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone

from literacy.core.errors import InvalidStateChange
from literacy.coverage.models import AuditEvent
from literacy.curriculum.models import Topic
from literacy.notifications.models import Message
from literacy.places.models import Municipality, Venue

# Only a message that did not reach its person may be sent again; the rest already did their job
# or were withdrawn on purpose.
RESENDABLE_STATES = (Message.State.FAILED, Message.State.UNDELIVERED, Message.State.EXPIRED)


@transaction.atomic
def audit_record(
    *,
    actor,
    municipality: Municipality,
    action: str,
    object_type: str,
    object_id: str | int = "",
    detail: str = "",
    ip: str | None = None,
    now: dt.datetime | None = None,
) -> AuditEvent:
    """Write down that a coordinator viewed, exported or erased personal data."""
    event = AuditEvent(
        municipality=municipality,
        actor=actor,
        actor_email=getattr(actor, "email", "") or "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail[:300],
        ip=ip,
        at=now or timezone.now(),
    )
    # The municipality and actor come from the request's scope; no need to look them up again.
    event.full_clean(exclude=["municipality", "actor"])
    event.save()
    return event


@transaction.atomic
def outbox_resend(*, message: Message, by, now: dt.datetime | None = None) -> Message:
    """Queue a fresh copy of a message that failed: a new row (new idempotency key, state pending),
    so the failed row stays as it was for the record and the dispatcher sends the copy."""
    now = now or timezone.now()
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.state not in RESENDABLE_STATES:
        raise InvalidStateChange(code="message_not_resendable")
    copy = Message(
        municipality=message.municipality,
        channel=message.channel,
        kind=message.kind,
        to=message.to,
        subject=message.subject,
        body=message.body,
        payload={**message.payload, "resent_by": getattr(by, "pk", None)},
        learner=message.learner,
        volunteer=message.volunteer,
        booking=message.booking,
        lesson=message.lesson,
        offer=message.offer,
        lesson_sequence=message.lesson_sequence,
        send_after=now,
        # The original deadline has usually passed: a person decided to send it now.
        not_after=None,
        state=Message.State.PENDING,
        idempotency_key=f"resend:{message.pk}:{uuid.uuid4().hex}",
        fallback_of=message,
    )
    copy.full_clean()
    copy.save()
    return copy


VENUE_FIELDS = ("name", "name_en", "name_kana", "kind", "district", "address", "capacity",
                "accessibility_notes", "access_notes", "is_active")
TOPIC_FIELDS = ("name", "name_en", "slug", "icon", "order", "is_active")


def _save_owned(instance, *, fields: tuple[str, ...], values: dict):
    for name in fields:
        if name in values:
            setattr(instance, name, values[name])
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def venue_save(*, municipality: Municipality, values: dict, venue: Venue | None = None, by=None) -> Venue:
    """Create or change a venue of the coordinator's municipality. A venue is retired with
    is_active=False rather than deleted: past lessons keep pointing at it."""
    venue = venue or Venue(municipality=municipality)
    if venue.municipality_id != municipality.pk or values["district"].municipality_id != municipality.pk:
        raise InvalidStateChange(code="other_municipality")
    return _save_owned(venue, fields=VENUE_FIELDS, values=values)


@transaction.atomic
def topic_save(*, municipality: Municipality, values: dict, topic: Topic | None = None, by=None) -> Topic:
    """Create or change a topic of the coordinator's municipality (retire with is_active=False)."""
    topic = topic or Topic(municipality=municipality)
    if topic.municipality_id != municipality.pk:
        raise InvalidStateChange(code="other_municipality")
    return _save_owned(topic, fields=TOPIC_FIELDS, values=values)
