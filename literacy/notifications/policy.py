"""The sending policy: whether a claimed message may go now, and if not, what becomes of it;
and when a message whose send failed for a passing reason is tried again, or given up.

This is the one place the dispatcher asks. It calls `refusal_reason(message, context)` for every
row of a claimed batch, under the claim's lock, with the message's municipality, learner,
booking, lesson (and the booking's lesson) and offer already loaded by one query, so a rule
here costs no query per row. A rule that needs more (a daily cap per number or per
municipality, "only numbers we already know") loads it once per batch in `PolicyContext.load`
and reads it from the context; `context.accepted` holds the rows already let through in this
batch, so a cap can count them too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from literacy.notifications import quiet_hours
from literacy.notifications.models import Message
from literacy.notifications.sending_limits import SmsBatchLimits

# Texts and calls wait for the allowed hours; emails go at any time.
QUIET_HOURS_CHANNELS = (Message.Channel.SMS, Message.Channel.VOICE)

# A passing failure (a timeout, Twilio's 5xx or 429, SMTP 4xx) is tried again after 30 s, 1, 2,
# 4, 8, 16 min, then every 30 min: quickly while it may be a blip, gently through an outage.
BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(minutes=30)
# How long a message without a `not_after` is tried. Those are written to go at once (notices
# of a cancellation, calendar invites, alerts to coordinators, a pending request's notice), so
# the day runs from when the message was written: longer than the provider outages we plan
# for, and short enough that a learner who was never told reaches a coordinator while the news
# still matters (a cancellation heard of two days late is worse than a phone call today).
RETRY_WITHOUT_NOT_AFTER = dt.timedelta(hours=24)
# Our own code failing while sending is not an outage to wait out: a few tries (a race, a
# restarting dependency), then the message fails where people see it.
INTERNAL_ERROR = "internal"
INTERNAL_ERROR_ATTEMPTS = 6


@dataclass(frozen=True)
class Refusal:
    """Why a message does not go now. `state` is what the row becomes: expired or skipped for
    good, or pending again until `retry_at` (a deferral keeps no error code, as before)."""

    state: str
    code: str = ""
    reason: str = ""
    retry_at: dt.datetime | None = None

    @property
    def outcome(self) -> str:
        """The dispatcher's report name for it."""
        return "deferred" if self.state == Message.State.PENDING else str(self.state)


@dataclass
class PolicyContext:
    """What every check of one batch shares: the time of the check and per-batch look-ups."""

    now: dt.datetime
    accepted: list[Message] = field(default_factory=list)
    sms_limits: SmsBatchLimits | None = None

    @classmethod
    def load(cls, messages: Sequence[Message], *, now: dt.datetime) -> PolicyContext:
        # The SMS brakes (known numbers only, daily caps) load once per batch with texts in it.
        return cls(now=now, sms_limits=SmsBatchLimits.load(messages, now=now))


# Messages are loaded for the re-check with these relations, in the claim's one query, and of
# them only the fields the rules read (the rest of a booking or lesson is many columns to convert
# for every row of every batch). A rule that reads another field adds it here; the dispatcher's
# query-count tests catch one that is forgotten (it would cost a query per row).
RELATED = ("municipality", "learner", "booking", "booking__lesson", "lesson", "offer")
RELATED_FIELDS = (
    "municipality__timezone", "municipality__quiet_hours_start", "municipality__quiet_hours_end",
    "learner__sms_opted_out_at", "booking__state", "booking__lesson__state", "booking__lesson__sequence",
    "lesson__state", "lesson__sequence", "offer__state",
)


def refusal_reason(message: Message, context: PolicyContext) -> Refusal | None:
    """None when the message may go now; otherwise the Refusal. Rules in order: past
    `not_after` → expired; no longer applies → skipped; inside quiet hours → deferred to the
    next allowed time (or expired when that is too late). Texts also go only to numbers the
    municipality knows and within the daily caps (sending_limits)."""
    now = context.now
    if message.not_after and now >= message.not_after:
        return Refusal(Message.State.EXPIRED, "expired", _("期限を過ぎました"))
    stale = still_applies(message)
    if stale:
        return Refusal(Message.State.SKIPPED, stale[0], stale[1])
    if message.channel == Message.Channel.SMS and context.sms_limits is not None:
        # Never text a number the municipality does not know, nor past the daily caps (SMS pumping).
        refused = context.sms_limits.refusal(message, accepted=context.accepted)
        if refused:
            return Refusal(Message.State.SKIPPED, refused.code, refused.reason)
    if message.channel in QUIET_HOURS_CHANNELS:
        later = quiet_hours.next_allowed(now, message.municipality)
        if later is not None:
            if message.not_after and later >= message.not_after:
                return Refusal(Message.State.EXPIRED, "quiet_hours", _("連絡できる時間帯までに間に合いません"))
            return Refusal(Message.State.PENDING, retry_at=later)
    return None


def still_applies(message: Message) -> tuple[str, str] | None:
    """(code, reason) when the message should no longer go; None when it still should."""
    kind = message.kind
    booking = message.booking
    lesson = message.lesson or (booking.lesson if booking else None)
    if kind in Message.NEEDS_ACTIVE_BOOKING:
        wanted = ("pending",) if kind == Message.Kind.LEARNER_PENDING else ("booked",)
        if booking is None or booking.state not in wanted:
            return "booking_inactive", _("予約がもう有効ではありません")
    if message.lesson_sequence is not None and lesson is not None:
        if not lesson.is_active:
            return "lesson_cancelled", _("レッスンが中止されました")
        if lesson.sequence != message.lesson_sequence:
            return "lesson_changed", _("レッスンの日時・会場が変わりました")
    if kind == Message.Kind.VOLUNTEER_BOOKING_CANCELLED and lesson is not None and not lesson.is_active:
        return "lesson_cancelled", _("レッスン自体が中止されました")
    if kind == Message.Kind.VOLUNTEER_OFFER and (message.offer is None or message.offer.state != "pending"):
        return "offer_closed", _("依頼はすでに締め切られました")
    learner = message.learner
    if learner is not None and message.channel == Message.Channel.SMS and learner.sms_opted_out_at:
        return "opted_out", _("ショートメールの停止を希望されています")
    return None


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, 4 min, … capped at 30 min."""
    # The doubling stops once past the cap: a message may be tried hundreds of times, and
    # 30 s × 2**n overflows a timedelta long before that.
    doublings = min(max(0, attempts - 1), (BACKOFF_CAP // BACKOFF_BASE).bit_length())
    return min(BACKOFF_CAP, BACKOFF_BASE * 2**doublings)


def retry_deadline(message: Message) -> dt.datetime:
    """The moment a try would no longer matter: the message's `not_after` (a reminder that
    arrives after the lesson has begun is pointless), or a day after it was written."""
    return message.not_after or message.created_at + RETRY_WITHOUT_NOT_AFTER


def next_try(message: Message, *, code: str, now: dt.datetime) -> dt.datetime | None:
    """When to try again a message whose send just failed for a passing reason (its `attempts`
    count that send), or None when no later try could still matter: then it fails, and a
    learner's case goes to the coordinators.

    A text or call never waits for a time inside quiet hours: its next try is the start of the
    allowed hours, and when that is past the deadline it is given up now, not left to expire
    unseen at the next claim."""
    if code == INTERNAL_ERROR and message.attempts >= INTERNAL_ERROR_ATTEMPTS:
        return None
    at = allowed_from(message, now + backoff(message.attempts))
    if at >= retry_deadline(message):
        return None
    return at


def allowed_from(message: Message, at: dt.datetime) -> dt.datetime:
    """`at`, or for a text or call due inside quiet hours, the moment the allowed hours begin."""
    if message.channel in QUIET_HOURS_CHANNELS:
        return quiet_hours.next_allowed(at, message.municipality) or at
    return at
