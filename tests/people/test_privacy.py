"""Privacy: export everything about a learner, erase on request, purge the long inactive —
while the statistics (bookings and lessons per district) keep counting."""

import datetime as dt
import json
import types

import pytest
from django.core.management import call_command
from django.db.models import Count

from literacy.core.errors import InvalidStateChange
from literacy.coverage.models import AuditEvent
from literacy.followups.models import FollowUp
from literacy.notifications.models import InboundMessage, Message
from literacy.people.models import Learner
from literacy.people.privacy import (
    ANONYMISED_NAME,
    LearnerHasActiveBookings,
    erasure_blockers,
    learner_erase,
    learner_export,
)
from literacy.scheduling.models import Booking, HelpRequest, LearnerProgress, Lesson, LessonReport
from tests import factories
from tests.conftest import NOW

YEAR = dt.timedelta(days=366)


@pytest.fixture
def audit_log(db):
    """The audit events written, as (action, object type, object id)."""
    return lambda: [(e.action, e.object_type, e.object_id) for e in AuditEvent.objects.order_by("id")]


def _history(*, municipality, district, venue, topic, volunteer, learner, starts_at):
    """A past lesson the learner attended, reported with progress, plus their messages."""
    lesson = factories.LessonFactory(
        municipality=municipality, venue=venue, topic=topic, volunteer=volunteer,
        starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1), state=Lesson.State.COMPLETED,
    )
    booking = factories.BookingFactory(lesson=lesson, learner=learner, state=Booking.State.ATTENDED,
                                       cancel_reason="")
    HelpRequest.objects.create(
        municipality=municipality, learner=learner, topic=topic, venue=venue, channel="kiosk",
        deadline=starts_at, state=HelpRequest.State.SCHEDULED, lesson=lesson,
        preference_note=f"{learner.name}さんは午前が希望",
    )
    report = LessonReport.objects.create(lesson=lesson, volunteer=volunteer, duration_minutes=60,
                                         note_for_next=f"{learner.name}さんは老眼鏡が必要")
    progress = LearnerProgress.objects.create(report=report, booking=booking, learner=learner)
    progress.skills.add(factories.SkillFactory(topic=topic))
    Message.objects.create(
        municipality=municipality, channel=Message.Channel.SMS, kind=Message.Kind.LEARNER_CONFIRMATION,
        to=learner.phone, body=f"{learner.name}様 ご予約を承りました", send_after=starts_at, sent_at=starts_at,
        state=Message.State.SENT, learner=learner, booking=booking, idempotency_key=f"p-{booking.pk}",
    )
    InboundMessage.objects.create(municipality=municipality, channel="sms", provider_id=f"SMin{booking.pk}",
                                  from_number=learner.phone, body="はい", learner=learner, booking=booking)
    FollowUp.objects.create(municipality=municipality, kind=FollowUp.Kind.CALL_BACK, learner=learner,
                            caller_phone=learner.phone, detail=f"{learner.name}さんに折り返し",
                            opened_at=starts_at, state=FollowUp.State.CLOSED, closed_at=starts_at, outcome="済")
    return lesson, booking


@pytest.fixture
def world(clock, municipality, district, venue, topic, volunteer):
    now = dt.datetime.now(dt.UTC)
    old = factories.LearnerFactory(municipality=municipality, district=district, name="古田 ハナ",
                                   phone="+819011112222", proxy_name="古田 一郎", proxy_phone="+819033334444",
                                   notes="耳が遠い")
    recent = factories.LearnerFactory(municipality=municipality, district=district, name="新井 トメ",
                                      phone="+819055556666")
    _history(municipality=municipality, district=district, venue=venue, topic=topic, volunteer=volunteer,
             learner=old, starts_at=now - 4 * YEAR)
    _history(municipality=municipality, district=district, venue=venue, topic=topic, volunteer=volunteer,
             learner=recent, starts_at=now - dt.timedelta(days=30))
    # Time passes: the rows were written back then.
    Learner.objects.filter(pk=old.pk).update(created_at=now - 5 * YEAR, last_active_at=now - 4 * YEAR)
    Booking.objects.filter(learner=old).update(created_at=now - 4 * YEAR, updated_at=now - 4 * YEAR)
    HelpRequest.objects.filter(learner=old).update(created_at=now - 4 * YEAR, updated_at=now - 4 * YEAR)
    Learner.objects.filter(pk=recent.pk).update(created_at=now - 5 * YEAR, last_active_at=now - dt.timedelta(days=30))
    return types.SimpleNamespace(old=old, recent=recent)


def statistics():
    """What the city dashboard counts: bookings and lessons per district, progress rows."""
    bookings = dict(Booking.objects.values_list("learner__district__name").annotate(n=Count("id")))
    lessons = dict(Lesson.objects.values_list("venue__district__name").annotate(n=Count("id")))
    by_state = dict(Booking.objects.values_list("state").annotate(n=Count("id")))
    return bookings, lessons, by_state, LearnerProgress.objects.count(), HelpRequest.objects.count()


def test_purge_anonymises_only_the_long_inactive_and_keeps_the_statistics(world, audit_log):
    before = statistics()
    call_command("purge_personal_data", "--years", "3")
    assert statistics() == before

    old = Learner.objects.get(pk=world.old.pk)
    assert old.anonymised_at is not None
    assert (old.name, old.name_kana, old.notes, old.proxy_name, old.proxy_phone) == (ANONYMISED_NAME, "", "", "", "")
    assert "9011112222" not in old.phone and old.reminder_channel == Learner.ReminderChannel.NONE
    assert old.district_id is not None  # still counted in its district
    assert list(Message.objects.filter(learner=old).values_list("to", "body")) == [("", "")]
    assert list(InboundMessage.objects.filter(learner=old).values_list("from_number", "body")) == [("", "")]
    assert list(FollowUp.objects.filter(learner=old).values_list("caller_phone", "detail")) == [("", "")]
    assert list(HelpRequest.objects.filter(learner=old).values_list("preference_note", flat=True)) == [""]
    assert list(LessonReport.objects.filter(lesson__bookings__learner=old).values_list("note_for_next", flat=True)) == [""]
    # Nothing that names the old learner is left anywhere in what we export about them.
    assert "古田" not in json.dumps(learner_export(learner=old), ensure_ascii=False)

    recent = Learner.objects.get(pk=world.recent.pk)
    assert recent.anonymised_at is None and recent.name == "新井 トメ"
    assert Message.objects.get(learner=recent).body.startswith("新井 トメ様")
    assert ("erase", "learner", str(old.pk)) in audit_log()
    assert ("erase", "learner", str(recent.pk)) not in audit_log()


def test_purge_dry_run_changes_nothing(world, capsys):
    call_command("purge_personal_data", "--years", "3", "--dry-run")
    assert "1 learner(s)" in capsys.readouterr().out
    assert not Learner.objects.filter(anonymised_at__isnull=False).exists()


def test_purge_years_default_from_settings_and_longer_retention_keeps_them(world, settings, capsys):
    settings.PERSONAL_DATA_RETENTION_YEARS = 5
    call_command("purge_personal_data")
    assert "anonymised 0" in capsys.readouterr().out
    settings.PERSONAL_DATA_RETENTION_YEARS = 3
    call_command("purge_personal_data")
    assert "anonymised 1" in capsys.readouterr().out
    call_command("purge_personal_data")  # a second run finds nobody new
    assert "anonymised 0" in capsys.readouterr().out


def test_a_learner_with_a_future_booking_is_not_purged(world, municipality):
    factories.BookingFactory(lesson=factories.LessonFactory(municipality=municipality), learner=world.old)
    call_command("purge_personal_data", "--years", "3")
    assert Learner.objects.get(pk=world.old.pk).anonymised_at is None


def test_export_holds_everything_about_one_learner_and_is_audited(world, coordinator, audit_log):
    data = learner_export(learner=world.recent, by=coordinator)
    json.dumps(data)  # plain data, ready to hand over
    assert data["profile"]["name"] == "新井 トメ" and data["profile"]["phone"] == "+819055556666"
    assert len(data["bookings"]) == 1 and data["bookings"][0]["lesson"]["topic"] == "LINEの使い方"
    assert len(data["help_requests"]) == 1 and len(data["progress"]) == 1
    assert len(data["progress"][0]["skills"]) == 1
    assert data["messages"][0]["body"].startswith("新井 トメ様")
    assert data["inbound_messages"][0]["body"] == "はい"
    assert data["follow_ups"][0]["detail"] == "新井 トメさんに折り返し"
    assert set(data) >= {"profile", "proxy", "consent"}
    # Only this learner: nothing of the other one.
    assert "古田" not in json.dumps(data, ensure_ascii=False)
    assert audit_log() == [("export", "learner", str(world.recent.pk))]


def test_erase_on_request_anonymises_and_is_audited(world, coordinator, audit_log):
    before = statistics()
    learner_erase(learner=world.recent, by=coordinator)
    recent = Learner.objects.get(pk=world.recent.pk)
    assert recent.name == ANONYMISED_NAME and recent.anonymised_at is not None
    assert Message.objects.get(learner=recent).body == ""
    assert statistics() == before
    assert audit_log() == [("erase", "learner", str(recent.pk))]


def test_erase_is_refused_while_a_booking_is_active_and_pending_messages_are_cancelled(world, municipality, coordinator):
    booking = factories.BookingFactory(lesson=factories.LessonFactory(municipality=municipality), learner=world.recent)
    with pytest.raises(InvalidStateChange):
        learner_erase(learner=world.recent, by=coordinator)
    assert Learner.objects.get(pk=world.recent.pk).anonymised_at is None
    Booking.objects.filter(pk=booking.pk).update(state=Booking.State.CANCELLED)
    pending = Message.objects.create(
        municipality=municipality, channel=Message.Channel.SMS, kind=Message.Kind.LEARNER_REMINDER_MORNING,
        to=world.recent.phone, body="x", send_after=dt.datetime.now(dt.UTC), learner=world.recent,
        idempotency_key="pending-at-erase",
    )
    learner_erase(learner=world.recent, by=coordinator)
    pending.refresh_from_db()
    assert pending.state == Message.State.CANCELLED and pending.to == ""


def test_erase_writes_the_reason_and_address_to_the_audit_log(world, coordinator):
    learner_erase(learner=world.recent, by=coordinator, reason="ご本人から電話で依頼", ip="192.0.2.4")
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.ip) == ("erase", coordinator, "192.0.2.4")
    assert event.detail == "learner_erase (on request): ご本人から電話で依頼"
    learner_erase(learner=world.recent, by=coordinator, reason="二度目")  # already erased: nothing more
    assert AuditEvent.objects.count() == 1


def test_export_writes_the_address_to_the_audit_log(world, coordinator):
    learner_export(learner=world.recent, by=coordinator, ip="192.0.2.5")
    assert AuditEvent.objects.get().ip == "192.0.2.5"


def test_erasure_blockers_name_what_must_be_cancelled_first(world, municipality, topic, coordinator):
    assert not erasure_blockers(learner=world.recent)
    booking = factories.BookingFactory(lesson=factories.LessonFactory(municipality=municipality), learner=world.recent)
    request = HelpRequest.objects.create(
        municipality=municipality, learner=world.recent, topic=topic, channel="voice",
        deadline=dt.datetime.now(dt.UTC), state=HelpRequest.State.ESCALATED,
    )
    blockers = erasure_blockers(learner=world.recent)
    assert blockers and blockers.bookings == [booking] and blockers.help_requests == [request]
    with pytest.raises(LearnerHasActiveBookings) as refused:
        learner_erase(learner=world.recent, by=coordinator)
    assert "予約または相談の依頼が進行中のため、消去できません" in str(refused.value)
    assert refused.value.code == "learner_has_active_bookings"
    assert not AuditEvent.objects.exists()


def test_a_lesson_already_held_does_not_block_erasure(world, municipality, coordinator, clock):
    # Held yesterday, not reported yet: nobody waits for it, and it can no longer be cancelled.
    held = factories.LessonFactory(municipality=municipality, starts_at=NOW - dt.timedelta(days=1))
    factories.BookingFactory(lesson=held, learner=world.recent)
    assert not erasure_blockers(learner=world.recent)
    learner_erase(learner=world.recent, by=coordinator)


def _held_by_number(municipality, phone: str, tag: str):
    """What holds a number with no learner linked: a voicemail, a number calling too often (still
    open), a text nobody could be tied to, a call to the voice line."""
    from literacy.telephony.models import CallSession

    voicemail = FollowUp.objects.create(
        municipality=municipality, kind=FollowUp.Kind.VOICEMAIL, caller_phone=phone, opened_at=dt.datetime.now(dt.UTC),
        recording_url=f"https://api.twilio.com/Recordings/RE{tag}", detail=f"{phone}から伝言があります。")
    flood = FollowUp.objects.create(
        municipality=municipality, kind=FollowUp.Kind.CALL_LIMIT, caller_phone=phone, opened_at=dt.datetime.now(dt.UTC),
        detail="この番号から自動音声への電話が続いたため")
    text = InboundMessage.objects.create(municipality=municipality, channel="sms", provider_id=f"SMx{tag}",
                                         from_number=phone, body="キャンセルしたい")
    call = CallSession.objects.create(call_sid=f"CA{tag}", municipality=municipality, from_number=phone,
                                      caller_key=phone, data={"topic": 1})
    return types.SimpleNamespace(voicemail=voicemail, flood=flood, text=text, call=call)


def test_erasure_clears_what_holds_the_number_without_a_link(world, municipality, coordinator):
    mine = _held_by_number(municipality, world.recent.phone, "mine")
    others = _held_by_number(municipality, world.old.phone, "other")
    learner_erase(learner=world.recent, by=coordinator)
    for row in (mine.voicemail, mine.flood):
        row.refresh_from_db()
        assert (row.caller_phone, row.recording_url, row.detail) == ("", "", "")
        assert row.state == FollowUp.State.CLOSED and row.outcome == "ご本人の依頼により、この方の情報を消去しました。"
    mine.text.refresh_from_db()
    mine.call.refresh_from_db()
    assert (mine.text.from_number, mine.text.body) == ("", "")
    assert (mine.call.from_number, mine.call.caller_key, mine.call.data) == ("", "", {})
    # The other learner's number keeps what it holds.
    others.voicemail.refresh_from_db()
    others.call.refresh_from_db()
    assert others.voicemail.caller_phone == world.old.phone and others.voicemail.state == FollowUp.State.OPEN
    assert InboundMessage.objects.get(pk=others.text.pk).body == "キャンセルしたい"
    assert others.call.caller_key == world.old.phone


def test_a_shared_landline_keeps_what_may_be_the_other_persons(world, municipality, coordinator):
    """A couple on one landline: erasing one of them clears their own rows, not the number's."""
    partner = factories.LearnerFactory(municipality=municipality, name="新井 ゲン", phone=world.recent.phone)
    shared = _held_by_number(municipality, world.recent.phone, "shared")
    data = learner_export(learner=world.recent, by=coordinator)
    assert [f["kind"] for f in data["follow_ups"]] == [FollowUp.Kind.CALL_BACK]  # their own case only
    assert data["voice_line_calls"] == []
    learner_erase(learner=world.recent, by=coordinator)
    shared.voicemail.refresh_from_db()
    assert shared.voicemail.caller_phone == partner.phone and shared.voicemail.state == FollowUp.State.OPEN
    assert InboundMessage.objects.get(pk=shared.text.pk).from_number == partner.phone
    assert FollowUp.objects.get(learner=world.recent, kind=FollowUp.Kind.CALL_BACK).detail == ""


def test_export_hands_over_what_holds_their_number_alone(world, municipality, coordinator):
    _held_by_number(municipality, world.recent.phone, "mine")
    _held_by_number(municipality, world.old.phone, "other")
    data = learner_export(learner=world.recent, by=coordinator)
    assert sorted(f["kind"] for f in data["follow_ups"]) == sorted(
        [FollowUp.Kind.CALL_BACK, FollowUp.Kind.VOICEMAIL, FollowUp.Kind.CALL_LIMIT])
    assert {i["body"] for i in data["inbound_messages"]} == {"はい", "キャンセルしたい"}
    assert [c["from"] for c in data["voice_line_calls"]] == [world.recent.phone]
    assert world.old.phone not in json.dumps(data)
