"""A family member who asked to be told gets the day-before reminder too; others do not."""

import datetime as dt

from literacy.notifications import triggers
from literacy.notifications.models import Message
from tests.conftest import TOKYO


def reminders(booking):
    return Message.objects.filter(booking=booking, kind=Message.Kind.LEARNER_REMINDER_DAY_BEFORE)


def test_proxy_who_asked_gets_the_day_before_reminder(booking, learner):
    learner.proxy_name, learner.proxy_phone, learner.proxy_gets_reminders = "長谷川 太郎", "+818011112222", True
    learner.save()
    triggers.booking_confirmed(booking=booking)
    assert sorted(reminders(booking).values_list("to", "channel")) == [
        ("+818011112222", "sms"), ("+819012345678", "sms")]
    assert Message.objects.filter(to="+818011112222").count() == 1  # only the reminder, not every notice
    # Both say 明日, so both are over when the lesson's day begins (Wednesday 00:00 in Tokyo).
    assert set(reminders(booking).values_list("not_after", flat=True)) == {
        dt.datetime(2026, 12, 9, 0, 0, tzinfo=TOKYO)}


def test_landline_proxy_gets_a_call(booking, learner):
    learner.proxy_phone, learner.proxy_gets_reminders = "+81943221234", True
    learner.save()
    triggers.booking_confirmed(booking=booking)
    assert reminders(booking).get(to="+81943221234").channel == "voice"


def test_proxy_who_did_not_ask_gets_nothing(booking, learner):
    learner.proxy_phone, learner.proxy_gets_reminders = "+818011112222", False
    learner.save()
    triggers.booking_confirmed(booking=booking)
    assert not Message.objects.filter(to="+818011112222").exists()
