"""SMS abuse controls: only known numbers of the municipality, and daily caps (Tokyo days)."""

import datetime as dt
import itertools

import pytest
from django.utils import translation

from literacy.notifications.models import Message
from literacy.notifications.sending_limits import refusal_reason_for_sms, sms_refusal
from tests import factories
from tests.conftest import TOKYO

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=TOKYO)
_keys = itertools.count()


def sent(*, municipality, to: str, at: dt.datetime, channel=Message.Channel.SMS, state=Message.State.SENT):
    return Message.objects.create(
        municipality=municipality, channel=channel, kind=Message.Kind.LEARNER_REMINDER_DAY_BEFORE, to=to,
        body="x", send_after=at, sent_at=at, state=state, idempotency_key=f"cap-{next(_keys)}",
    )


@pytest.fixture
def learner(municipality):
    return factories.LearnerFactory(municipality=municipality, phone="+819012345678", proxy_phone="+819011110000")


def test_unknown_number_is_refused(municipality, learner):
    refusal = sms_refusal(to="+819099999999", municipality=municipality, now=NOW)
    assert refusal.code == "unknown_number"
    assert refusal_reason_for_sms(to="+819099999999", municipality=municipality, now=NOW) == refusal.reason
    # A premium or foreign number a stranger typed is no one we know.
    assert sms_refusal(to="+882345678901", municipality=municipality, now=NOW).code == "unknown_number"
    assert sms_refusal(to="", municipality=municipality, now=NOW).code == "unknown_number"


def test_learner_proxy_and_volunteer_numbers_are_allowed(municipality, learner):
    volunteer = factories.VolunteerFactory(municipality=municipality, phone="+818055556666")
    assert refusal_reason_for_sms(to=learner.phone, municipality=municipality, now=NOW) is None
    assert refusal_reason_for_sms(to="090-1111-0000", municipality=municipality, now=NOW) is None
    assert refusal_reason_for_sms(to=volunteer.phone, municipality=municipality, now=NOW) is None


def test_another_citys_learner_and_an_anonymised_learner_are_refused(municipality, learner):
    other = factories.MunicipalityFactory()
    assert sms_refusal(to=learner.phone, municipality=other, now=NOW).code == "unknown_number"
    learner.anonymised_at = NOW
    learner.save()
    assert sms_refusal(to=learner.phone, municipality=municipality, now=NOW).code == "unknown_number"


def test_daily_cap_per_number_counts_only_todays_tokyo_sms(municipality, learner, settings):
    settings.SMS_DAILY_CAP_PER_NUMBER = 3
    # Yesterday 23:59 in Tokyo does not count; today 00:30 in Tokyo (15:30 UTC yesterday) does.
    sent(municipality=municipality, to=learner.phone, at=dt.datetime(2026, 12, 6, 23, 59, tzinfo=TOKYO))
    sent(municipality=municipality, to=learner.phone, at=dt.datetime(2026, 12, 7, 0, 30, tzinfo=TOKYO))
    sent(municipality=municipality, to=learner.phone, at=dt.datetime(2026, 12, 7, 9, 0, tzinfo=TOKYO),
         state=Message.State.DELIVERED)
    # Calls and emails are not texts.
    sent(municipality=municipality, to=learner.phone, at=NOW, channel=Message.Channel.VOICE)
    assert refusal_reason_for_sms(to=learner.phone, municipality=municipality, now=NOW) is None
    sent(municipality=municipality, to=learner.phone, at=dt.datetime(2026, 12, 7, 11, 0, tzinfo=TOKYO))
    assert sms_refusal(to=learner.phone, municipality=municipality, now=NOW).code == "cap_per_number"
    # The family proxy is another number, with its own count; tomorrow starts afresh.
    assert refusal_reason_for_sms(to=learner.proxy_phone, municipality=municipality, now=NOW) is None
    tomorrow = dt.datetime(2026, 12, 8, 0, 1, tzinfo=TOKYO)
    assert refusal_reason_for_sms(to=learner.phone, municipality=municipality, now=tomorrow) is None


def test_messages_not_yet_sent_do_not_count(municipality, learner, settings):
    settings.SMS_DAILY_CAP_PER_NUMBER = 1
    Message.objects.create(
        municipality=municipality, channel=Message.Channel.SMS, kind=Message.Kind.LEARNER_CONFIRMATION,
        to=learner.phone, body="x", send_after=NOW, state=Message.State.SENDING, idempotency_key="in-flight",
    )
    assert refusal_reason_for_sms(to=learner.phone, municipality=municipality, now=NOW) is None


def test_daily_cap_per_municipality(municipality, learner, settings):
    settings.SMS_DAILY_CAP_PER_MUNICIPALITY = 3
    other_city = factories.MunicipalityFactory()
    for n in range(3):
        sent(municipality=other_city, to=f"+81901234{n:04d}", at=NOW)
    assert refusal_reason_for_sms(to=learner.phone, municipality=municipality, now=NOW) is None
    for n in range(3):
        sent(municipality=municipality, to=f"+81901234{n:04d}", at=NOW - dt.timedelta(hours=1))
    assert sms_refusal(to=learner.phone, municipality=municipality, now=NOW).code == "cap_per_city"


def test_refusal_codes_fit_the_outbox_and_reasons_translate(municipality):
    refusal = sms_refusal(to="+819099999999", municipality=municipality, now=NOW)
    assert len(refusal.code) <= Message._meta.get_field("error_code").max_length
    with translation.override("en"):
        assert sms_refusal(to="+819099999999", municipality=municipality, now=NOW).reason.startswith("Not sent")
