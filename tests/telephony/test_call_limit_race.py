"""A flood's calls arrive at once: however many are refused in the same moment, the coordinators
get one case for the number. Real threads, each with its own connection, through the webhook, on
PostgreSQL (SQLite's writers queue, so nothing would race there)."""


import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from literacy.followups.models import FollowUp
from literacy.telephony.call_sessions import call_session_start
from tests.conftest import requires_postgres
from tests.telephony.test_voice_line import TOKEN, Call, Twiml
from tests.threads import run_together

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
RACERS = 8
CALLER = "+819012345678"


@pytest.fixture(autouse=True)
def one_call_an_hour(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.VOICE_MAX_CALLS_PER_HOUR = 1


def refuse_at_once(count: int) -> list[str]:
    """`count` calls from CALLER released at the same moment; returns what each caller heard."""
    def heard(n):
        call = Call(Client(), sid=f"CA{n:032d}", caller=CALLER)
        return Twiml(call.post("/twilio/voice/")).text

    return run_together(count, heard, timeout=60)


def test_calls_refused_at_the_same_moment_open_one_case(clock, municipality):
    call_session_start(call_sid="CA-first", municipality=municipality, from_number=CALLER)
    heard = refuse_at_once(RACERS)
    assert all("お電話が続いているため" in text for text in heard), heard
    case = FollowUp.objects.get(kind=FollowUp.Kind.CALL_LIMIT)
    assert case.caller_phone == CALLER and case.state == FollowUp.State.OPEN


def test_the_database_refuses_a_second_open_case_for_the_number(clock, municipality):
    opened = {"municipality": municipality, "kind": FollowUp.Kind.CALL_LIMIT, "opened_at": timezone.now()}
    FollowUp.objects.create(caller_phone=CALLER, **opened)
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUp.objects.create(caller_phone=CALLER, **opened)
    FollowUp.objects.create(caller_phone="", **opened)  # the withheld bucket: its own case
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUp.objects.create(caller_phone="", **opened)
