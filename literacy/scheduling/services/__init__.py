"""Scheduling writes: bookings, offers, lessons and escalation. Import from here."""

from literacy.scheduling.services.booking import (
    BookingResult,
    LearnerDetails,
    booking_cancel,
    booking_confirm_by_learner,
    booking_create,
    booking_move,
)
from literacy.scheduling.services.lessons import lesson_cancel, lesson_create, lesson_reschedule
from literacy.scheduling.services.lookup import booking_lookup, lookup_attempts_prune, lookup_locked_out
from literacy.scheduling.services.offers import (
    help_request_assign,
    help_request_create,
    help_request_withdraw,
    help_requests_escalate_due,
    offer_accept,
    offer_decline,
    offers_expire_due,
    offers_send,
)
from literacy.scheduling.services.reports import report_create

__all__ = [
    "BookingResult",
    "LearnerDetails",
    "booking_cancel",
    "booking_confirm_by_learner",
    "booking_create",
    "booking_lookup",
    "booking_move",
    "help_request_assign",
    "help_request_create",
    "help_request_withdraw",
    "help_requests_escalate_due",
    "lesson_cancel",
    "lesson_create",
    "lesson_reschedule",
    "lookup_attempts_prune",
    "lookup_locked_out",
    "offer_accept",
    "offer_decline",
    "offers_expire_due",
    "offers_send",
    "report_create",
]
