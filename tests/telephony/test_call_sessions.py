"""Call sessions: started once per CallSid, learner checks, purged when old."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from literacy.core.errors import NotFoundError
from literacy.telephony.call_sessions import call_session_set_learner, call_session_start
from literacy.telephony.models import CallSession
from tests import factories
from tests.conftest import NOW


def test_start_is_idempotent_and_finds_the_caller(municipality, clock):
    learner = factories.LearnerFactory(municipality=municipality, phone="+819012345678")
    first = call_session_start(call_sid="CA1", municipality=municipality, from_number="+819012345678")
    again = call_session_start(call_sid="CA1", municipality=municipality, from_number="+819012345678")
    assert first.pk == again.pk and first.learner == learner and CallSession.objects.count() == 1


def test_a_caller_cannot_pick_a_learner_on_another_number(municipality, clock):
    session = call_session_start(call_sid="CA1", municipality=municipality, from_number="+819012345678")
    stranger = factories.LearnerFactory(municipality=municipality, phone="+819099990000")
    with pytest.raises(NotFoundError):
        call_session_set_learner(session=session, learner=stranger)


def test_purge_deletes_only_old_sessions(municipality, clock):
    call_session_start(call_sid="CA-old", municipality=municipality, from_number="+819012345678")
    clock.move_to(NOW + dt.timedelta(days=31))
    call_session_start(call_sid="CA-new", municipality=municipality, from_number="+819012345678")
    out = StringIO()
    call_command("purge_call_sessions", "--dry-run", stdout=out)
    assert "would delete 1" in out.getvalue() and CallSession.objects.count() == 2
    call_command("purge_call_sessions", stdout=out)
    assert list(CallSession.objects.values_list("call_sid", flat=True)) == ["CA-new"]
