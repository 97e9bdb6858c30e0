"""Learners: phone parsing, identity by phone + name, consent, proxy, opt-out."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from literacy.core.errors import InvalidPhoneNumber, SmsNotPossible
from literacy.core.phones import LANDLINE, MOBILE, parse_phone
from literacy.people.models import Learner
from literacy.people.services import learner_find_or_create, learner_set_proxy, learner_set_sms_opt_out
from tests.conftest import NOW


@pytest.mark.parametrize(("raw", "e164", "kind"), [
    ("03-1234-5678", "+81312345678", LANDLINE),
    ("0943-22-1234", "+81943221234", LANDLINE),
    ("090-1234-5678", "+819012345678", MOBILE),
    ("０８０－１２３４－５６７８", "+818012345678", MOBILE),
    ("+81 70 1111 2222", "+817011112222", MOBILE),
])
def test_parse_phone(raw, e164, kind):
    parsed = parse_phone(raw)
    assert (parsed.e164, parsed.kind) == (e164, kind)


@pytest.mark.parametrize("raw", ["", "12345", "abc", "090-1234-567", "0990-123-456", "x" * 40])
def test_parse_phone_refuses_what_cannot_be_dialled(raw):
    with pytest.raises(InvalidPhoneNumber):
        parse_phone(raw)


@given(st.text(max_size=40))
def test_parse_phone_never_accepts_an_undiallable_number(raw):
    import phonenumbers

    try:
        parsed = parse_phone(raw)
    except InvalidPhoneNumber:
        return
    assert phonenumbers.is_valid_number(phonenumbers.parse(parsed.e164))
    assert parsed.e164.startswith("+") and parsed.e164[1:].isdigit()


def test_find_or_create_records_consent_and_reuses(db, municipality, coordinator, clock):
    learner = learner_find_or_create(municipality=municipality, phone="0943-22-1234", name="星野 一郎",
                                     name_kana="ほしの いちろう", channel="phone_desk", consent_taken_by=coordinator)
    assert learner.phone_kind == Learner.PhoneKind.LANDLINE
    assert learner.reminder_channel == Learner.ReminderChannel.VOICE
    assert (learner.consent_at, learner.consent_channel, learner.consent_taken_by) == (NOW, "phone_desk", coordinator)
    again = learner_find_or_create(municipality=municipality, phone="+81943221234", name="星野一郎", channel="kiosk")
    assert again.pk == learner.pk and Learner.objects.count() == 1


def test_sms_refused_for_landline(db, municipality):
    with pytest.raises(SmsNotPossible):
        learner_find_or_create(municipality=municipality, phone="0943-22-1234", name="星野 一郎", channel="kiosk",
                               reminder_channel="sms")
    assert not Learner.objects.exists()


def test_proxy_and_opt_out(db, municipality, clock):
    learner = learner_find_or_create(municipality=municipality, phone="090-1234-5678", name="八女 花子", channel="proxy")
    learner_set_proxy(learner=learner, name="八女 太郎", relation="息子", phone="080-9999-0000", gets_reminders=True)
    learner.refresh_from_db()
    assert (learner.proxy_phone, learner.proxy_relation, learner.proxy_gets_reminders) == ("+818099990000", "息子", True)
    learner_set_sms_opt_out(learner=learner, opted_out=True)
    learner.refresh_from_db()
    assert learner.sms_opted_out_at == NOW and not learner.can_receive_sms
    assert learner.reminder_channel == Learner.ReminderChannel.VOICE


def test_given_name(db, municipality):
    assert Learner(name="八女 花子").given_name == "花子"
    assert Learner(name="八女花子").given_name == "八女花子"
