"""The retry half of the sending policy: capped backoff, quiet hours, and giving up only once a
later try could no longer matter (the message's not_after, or a day for messages without one)."""

import datetime as dt

import pytest
from django.utils import timezone

from literacy.notifications import policy
from literacy.notifications.models import Message
from literacy.notifications.policy import BACKOFF_CAP, backoff, next_try
from literacy.notifications.services import message_enqueue
from tests.conftest import TOKYO

K = Message.Kind


def at(day, hour, minute=0):
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=TOKYO)


def failed_once_more(municipality, *, attempts, channel="sms", not_after=None, key="m"):
    """A message written now whose `attempts`-th send just failed."""
    message = message_enqueue(
        municipality=municipality, channel=channel, kind=K.LEARNER_CANCELLED,
        to="+819012345678" if channel != "email" else "someone@example.jp", body="テスト",
        idempotency_key=key, not_after=not_after,
    )
    message.attempts = attempts
    return message


def test_backoff_doubles_from_thirty_seconds_and_is_capped_at_thirty_minutes():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4, 5, 6)] == [30, 60, 120, 240, 480, 960]
    assert backoff(7) == backoff(20) == backoff(500) == BACKOFF_CAP == dt.timedelta(minutes=30)


@pytest.mark.django_db
def test_a_passing_failure_is_tried_again_until_just_before_not_after(municipality, clock):
    clock.move_to(at(7, 10))
    lesson_starts = at(7, 13)
    assert next_try(failed_once_more(municipality, attempts=1, not_after=lesson_starts), code="20503",
                    now=timezone.now()) == at(7, 10) + dt.timedelta(seconds=30)
    # However many tries it has taken: every 30 minutes, as long as a try can still arrive in time.
    assert next_try(failed_once_more(municipality, attempts=40, not_after=lesson_starts, key="n"), code="20503",
                    now=timezone.now()) == at(7, 10, 30)
    clock.move_to(at(7, 12, 29))
    assert next_try(failed_once_more(municipality, attempts=40, not_after=lesson_starts, key="o"), code="20503",
                    now=timezone.now()) == at(7, 12, 59)
    clock.move_to(at(7, 12, 30))
    assert next_try(failed_once_more(municipality, attempts=40, not_after=lesson_starts, key="p"), code="20503",
                    now=timezone.now()) is None  # 13:00 is the lesson's start: too late


@pytest.mark.django_db
def test_a_text_or_call_is_never_retried_inside_quiet_hours(municipality, clock):
    clock.move_to(at(7, 19, 45))
    text = failed_once_more(municipality, attempts=10, not_after=at(9, 14))
    assert next_try(text, code="20500", now=timezone.now()) == at(8, 9)  # not 20:15
    call = failed_once_more(municipality, attempts=10, channel="voice", not_after=at(9, 14), key="call")
    assert next_try(call, code="20500", now=timezone.now()) == at(8, 9)
    email = failed_once_more(municipality, attempts=10, channel="email", not_after=at(9, 14), key="email")
    assert next_try(email, code="smtp_451", now=timezone.now()) == at(7, 20, 15)  # emails wake nobody


@pytest.mark.django_db
def test_a_retry_that_quiet_hours_would_push_past_not_after_is_given_up_now(municipality, clock):
    """A day-before reminder is over when the lesson's day begins: failing at 19:45, it cannot
    wait for 9:00, so it fails now, while a coordinator can still call the evening or morning."""
    clock.move_to(at(8, 19, 45))
    reminder = failed_once_more(municipality, attempts=12, not_after=at(9, 0))
    assert next_try(reminder, code="20503", now=timezone.now()) is None


@pytest.mark.django_db
def test_a_message_without_not_after_is_tried_for_a_day_after_it_was_written(municipality, clock):
    clock.move_to(at(7, 10))
    notice = failed_once_more(municipality, attempts=30)
    assert notice.not_after is None and policy.retry_deadline(notice) == at(8, 10)
    clock.move_to(at(8, 9, 29))
    assert next_try(notice, code="20503", now=timezone.now()) == at(8, 9, 59)
    clock.move_to(at(8, 9, 30))
    assert next_try(notice, code="20503", now=timezone.now()) is None


@pytest.mark.django_db
def test_our_own_error_is_tried_a_few_times_then_fails_visibly(municipality, clock):
    clock.move_to(at(7, 10))
    message = failed_once_more(municipality, attempts=policy.INTERNAL_ERROR_ATTEMPTS - 1, not_after=at(9, 14))
    assert next_try(message, code=policy.INTERNAL_ERROR, now=timezone.now()) is not None
    message.attempts = policy.INTERNAL_ERROR_ATTEMPTS
    assert next_try(message, code=policy.INTERNAL_ERROR, now=timezone.now()) is None
    # The same count for a provider's passing error is nothing: it keeps trying.
    assert next_try(message, code="20503", now=timezone.now()) is not None
