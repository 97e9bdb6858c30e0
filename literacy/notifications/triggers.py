"""What scheduling tells the outbox. Called inside the service's transaction, so the messages
are written atomically with the change that causes them (and vanish with it on rollback).

Each function writes Message rows only; nothing here talks to the network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from literacy.scheduling.models import Booking, HelpRequest, Lesson, Offer


def booking_confirmed(*, booking: Booking) -> None:
    """A learner's place in a lesson is fixed: confirm to them, schedule their reminders."""


def booking_pending(*, booking: Booking) -> None:
    """A learner chose a time that a volunteer must still accept: tell them who will call."""


def booking_cancelled(*, booking: Booking, by_learner: bool) -> None:
    """A booking was cancelled: cancel its pending reminders, tell the learner (and volunteer)."""


def lesson_scheduled(*, lesson: Lesson) -> None:
    """A lesson was fixed: the volunteer gets a calendar invite and an SMS."""


def lesson_changed(*, lesson: Lesson) -> None:
    """A lesson moved: an updated invite (same UID, higher SEQUENCE), notices, fresh reminders."""


def lesson_cancelled(*, lesson: Lesson) -> None:
    """A lesson was cancelled: METHOD:CANCEL to the volunteer, notices to its learners."""


def offer_created(*, offer: Offer) -> None:
    """A volunteer is offered a request: SMS/email with a signed link."""


def request_escalated(*, help_request: HelpRequest) -> None:
    """No volunteer accepted in time: alert the coordinators."""


def phone_verification_requested(*, volunteer, code: str) -> None:
    """A volunteer asked to confirm the phone number on their profile (volunteer.phone, not yet
    verified): SMS them the code. This is the only place the code exists in clear; the database
    keeps its hash."""
