"""The voice line, walked call by call with signed Twilio requests, asserting on the TwiML."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from twilio.request_validator import RequestValidator

from literacy.followups.models import FollowUp
from literacy.people.models import Learner
from literacy.scheduling.models import Booking, HelpRequest
from literacy.telephony.models import CallSession
from tests import factories
from tests.conftest import NOW, TOKYO

TOKEN = "test-twilio-auth-token"
PROGRAM_NUMBER = "+81943231111"  # the factory's 0943-23-1111


@pytest.fixture(autouse=True)
def twilio_token(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN


@pytest.fixture
def tuesday_window(volunteer, venue):
    """Tuesday 10:00–12:00, instant: two one-hour times to offer, confirmed on the spot."""
    return factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=1, starts=dt.time(10),
                                         ends=dt.time(12), is_instant=True)


class Twiml:
    def __init__(self, response):
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("text/xml")
        self.root = ET.fromstring(response.content)

    @property
    def text(self) -> str:
        return "".join("".join(say.itertext()) for say in self.root.iter("Say"))

    @property
    def gather(self):
        return self.root.find("Gather")

    def find(self, verb):
        return self.root.find(verb)


class Call:
    """One caller on the line: every request carries the same CallSid, From and To, signed."""

    def __init__(self, client, *, sid="CA00000000000000000000000000000001", caller="+819012345678",
                 to=PROGRAM_NUMBER):
        self.client, self.params = client, {"CallSid": sid, "From": caller, "To": to, "AccountSid": "AC1"}

    def post(self, path, signature=None, **extra):
        params = {**self.params, **extra}
        signature = signature or RequestValidator(TOKEN).compute_signature(f"http://testserver{path}", params)
        return self.client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)

    def start(self) -> Twiml:
        return Twiml(self.post("/twilio/voice/"))

    def press(self, twiml: Twiml, digits: str) -> Twiml:
        gather = twiml.gather
        assert gather is not None, twiml.text
        assert gather.get("input") == "dtmf"
        return Twiml(self.post(gather.get("action"), Digits=digits))

    def stay_silent(self, twiml: Twiml) -> Twiml:
        """The Gather timed out: Twilio follows the Redirect after it, without Digits."""
        return Twiml(self.post(twiml.find("Redirect").text))


def test_every_prompt_is_japanese_polly_inside_a_gather(client, municipality, district, venue, topic,
                                                        tuesday_window, clock):
    twiml = Call(client).start()
    assert "お電話ありがとうございます。スマホ相談です。" in twiml.text
    gather = twiml.gather
    assert gather.get("numDigits") == "1" and gather.get("action") == "/twilio/voice/keys/menu/"
    says = list(gather.iter("Say"))
    assert says and all(s.get("language") == "ja-JP" and s.get("voice") == "Polly.Mizuki" for s in says)
    assert "ご予約は1を" in twiml.text and "2を" in twiml.text and "0を" in twiml.text
    assert twiml.find("Redirect").text == "/twilio/voice/keys/menu/"


def test_known_caller_books_a_lesson_end_to_end(client, municipality, district, venue, topic, tuesday_window,
                                               clock):
    learner = factories.LearnerFactory(municipality=municipality, phone="+819012345678", name="八女 花子")
    call = Call(client)
    topics = call.press(call.start(), "1")
    assert "LINEの使い方は1を" in topics.text and "そのほかのご相談は9を" in topics.text
    # One area only: straight to the first free time.
    first = call.press(topics, "1")
    assert "12月8日、火曜日、午前10時から、八女市中央公民館です。" in first.text
    assert "この時間でよろしければ1を、次の時間は2を" in first.text
    second = call.press(first, "2")
    assert "午前11時から" in second.text
    confirm = call.press(second, "1")
    assert "午前11時から、八女市中央公民館で、LINEの使い方のご相談を予約します。" in confirm.text
    done = call.press(confirm, "1")

    booking = Booking.objects.get()
    assert booking.learner == learner and booking.channel == "voice"
    assert booking.state == Booking.State.BOOKED
    assert booking.lesson.starts_at == dt.datetime(2026, 12, 8, 11, tzinfo=TOKYO)
    assert booking.idempotency_key.startswith("CA00000000000000000000000000000001:book:")
    spoken_code = "、".join(booking.code)
    assert "ご予約が確定しました。" in done.text
    assert done.text.count(spoken_code) == 2
    assert done.find("Say/prosody").get("rate") == "slow"
    assert done.find("Hangup") is not None and done.gather is None
    session = CallSession.objects.get()
    assert session.step == "done" and session.ended_at is not None and session.learner == learner
    # A mobile keeps SMS reminders; no call-back case for a learner we already know.
    learner.refresh_from_db()
    assert learner.reminder_channel == Learner.ReminderChannel.SMS
    assert not FollowUp.objects.exists()


def test_a_repeated_confirm_request_does_not_book_twice(client, municipality, district, venue, topic,
                                                      tuesday_window, clock):
    factories.LearnerFactory(municipality=municipality, phone="+819012345678")
    call = Call(client)
    confirm = call.press(call.press(call.press(call.start(), "1"), "1"), "1")
    call.press(confirm, "1")
    # Twilio retries a webhook it did not hear back from: same CallSid, same Digits.
    again = Twiml(call.post(confirm.gather.get("action"), Digits="1"))
    assert Booking.objects.count() == 1
    assert "、".join(Booking.objects.get().code) in again.text


def test_most_asked_for_topics_come_first(client, municipality, district, venue, topic, tuesday_window, clock):
    popular = factories.TopicFactory(municipality=municipality, name="マイナンバーカードの申請",
                                     name_kana="まいなんばーかーどのしんせい", order=5)
    learner = factories.LearnerFactory(municipality=municipality)
    for _ in range(2):
        HelpRequest.objects.create(municipality=municipality, learner=learner, topic=popular, channel="kiosk",
                                   deadline=NOW)
    call = Call(client)
    topics = call.press(call.start(), "1")
    assert "まいなんばーかーどのしんせいは1を" in topics.text and "LINEの使い方は2を" in topics.text
    assert CallSession.objects.get().data["topic_ids"] == [popular.pk, topic.pk]


def test_area_menu_when_there_are_several_districts(client, municipality, district, venue, topic,
                                                   tuesday_window, clock):
    other = factories.DistrictFactory(municipality=municipality, name="黒木", name_kana="くろぎ", order=2)
    factories.VenueFactory(municipality=municipality, district=other, name="黒木公民館")
    call = Call(client)
    areas = call.press(call.press(call.start(), "1"), "1")
    assert "旧八女市は1を" in areas.text and "くろぎは2を" in areas.text
    # Kurogi has a venue but no volunteer there: nothing free, so a person takes over.
    nothing = call.press(areas, "2")
    assert "ただいまご案内できる空き時間がありません" in nothing.text
    assert nothing.find("Record") is not None  # 08:00 is before office hours


def test_unknown_landline_caller_is_created_and_flagged_for_a_call_back(client, municipality, district, venue,
                                                                       topic, tuesday_window, clock):
    call = Call(client, caller="+81943223333")  # a landline nobody has used yet
    confirm = call.press(call.press(call.press(call.start(), "1"), "1"), "1")
    done = call.press(confirm, "1")

    learner = Learner.objects.get()
    assert learner.phone == "+81943223333" and learner.phone_kind == Learner.PhoneKind.LANDLINE
    assert learner.name == "" and learner.needs_callback and learner.created_channel == "voice"
    assert learner.consent_channel == "voice"
    # A landline gets its confirmation and reminders by a call, not SMS.
    assert learner.reminder_channel == Learner.ReminderChannel.VOICE
    followup = FollowUp.objects.get()
    assert followup.kind == FollowUp.Kind.CALL_BACK and followup.learner == learner
    assert followup.state == FollowUp.State.OPEN
    assert Booking.objects.get().learner == learner
    assert "お名前などの確認のお電話" in done.text


def test_withheld_number_cannot_book_but_reaches_a_person(client, municipality, district, venue, topic,
                                                         tuesday_window, clock):
    call = Call(client, caller="anonymous")
    confirm = call.press(call.press(call.press(call.start(), "1"), "1"), "1")
    done = call.press(confirm, "1")
    assert "非通知" in done.text and done.find("Record") is not None
    assert not Booking.objects.exists() and not Learner.objects.exists()


def test_check_and_cancel_a_booking(client, municipality, district, venue, topic, clock):
    learner = factories.LearnerFactory(municipality=municipality, phone="+819012345678")
    lesson = factories.LessonFactory(municipality=municipality, venue=venue, topic=topic,
                                     starts_at=dt.datetime(2026, 12, 9, 14, tzinfo=TOKYO))
    booking = factories.BookingFactory(lesson=lesson, learner=learner, code="482915")
    call = Call(client)
    check = call.press(call.start(), "2")
    assert "ご予約は1件あります。" in check.text
    assert "12月9日、水曜日、午後2時から、八女市中央公民館で、LINEの使い方。" in check.text
    assert "予約番号は4、8、2、9、1、5です。" in check.text
    assert "終わるには9を" in check.text and "次のご予約は2を" not in check.text
    confirm = call.press(check, "1")
    assert "12月9日、水曜日、午後2時からのご予約をキャンセルします。" in confirm.text
    # 2 = keep it: the booking is read again, nothing changes.
    kept = call.press(confirm, "2")
    assert "予約番号は4、8、2、9、1、5です。" in kept.text
    booking.refresh_from_db()
    assert booking.state == Booking.State.BOOKED
    done = call.press(call.press(kept, "1"), "1")
    booking.refresh_from_db()
    assert booking.state == Booking.State.CANCELLED and booking.cancel_reason == "自動音声でキャンセル"
    assert "キャンセルしました。" in done.text and "ご予約は以上です。" in done.text
    assert done.find("Hangup") is not None


def test_check_reads_bookings_one_by_one_and_never_another_numbers(client, municipality, district, venue,
                                                                  topic, clock):
    learner = factories.LearnerFactory(municipality=municipality, phone="+819012345678")
    for day, code in ((9, "111111"), (10, "222222")):
        lesson = factories.LessonFactory(municipality=municipality, venue=venue, topic=topic,
                                         starts_at=dt.datetime(2026, 12, day, 10, tzinfo=TOKYO))
        factories.BookingFactory(lesson=lesson, learner=learner, code=code)
    factories.BookingFactory(lesson=factories.LessonFactory(municipality=municipality, venue=venue, topic=topic),
                             code="999999")  # someone else's
    call = Call(client)
    first = call.press(call.start(), "2")
    assert "ご予約は2件あります。" in first.text and "1、1、1、1、1、1" in first.text
    second = call.press(first, "2")
    assert "2、2、2、2、2、2" in second.text and "9、9、9" not in second.text
    end = call.press(second, "9")
    assert end.find("Hangup") is not None


def test_caller_without_bookings_hears_the_main_menu_again(client, municipality, district, venue, topic, clock):
    call = Call(client, caller="+819099998888")
    twiml = call.press(call.start(), "2")
    assert "ご予約は見つかりませんでした" in twiml.text
    assert twiml.gather.get("action") == "/twilio/voice/keys/menu/"


def test_wrong_key_repeats_the_menu(client, municipality, district, venue, topic, clock):
    call = Call(client)
    start = call.start()
    again = call.press(start, "7")
    assert again.text.startswith("もう一度お願いします。")
    assert "ご予約は1を、ご予約の確認やキャンセルは2を" in again.text
    assert again.gather.get("action") == start.gather.get("action")
    assert CallSession.objects.get().tries == 1
    # A right key afterwards works and starts the count afresh.
    topics = call.press(again, "1")
    assert "ご相談の内容を選んでください。" in topics.text
    assert CallSession.objects.get().tries == 0


def test_silence_repeats_then_gives_up_to_a_recorded_message(client, municipality, district, venue, topic,
                                                            clock):
    call = Call(client)
    twiml = call.start()
    for _ in range(2):
        twiml = call.stay_silent(twiml)
        assert twiml.text.startswith("ボタンが押されませんでした。") and twiml.gather is not None
    given_up = call.stay_silent(twiml)
    # Third silence: no more menus. 08:00 on a Monday is before office hours, so a message.
    assert given_up.gather is None and given_up.find("Redirect") is None
    assert "うまくお受けできませんでした。" in given_up.text
    record = given_up.find("Record")
    assert record is not None and record.get("maxLength") == "120"
    assert given_up.find("Hangup") is not None


def test_other_topic_goes_to_a_person(client, municipality, district, venue, topic, clock):
    clock.move_to(dt.datetime(2026, 12, 7, 10, tzinfo=TOKYO))
    call = Call(client)
    twiml = call.press(call.press(call.start(), "1"), "9")
    assert "担当者がご用件をうかがいます。" in twiml.text
    assert twiml.find("Dial").text == "+81943232222"


def test_person_in_office_hours_is_dialled_and_a_missed_dial_takes_a_message(client, municipality, district,
                                                                              venue, topic, clock):
    clock.move_to(dt.datetime(2026, 12, 7, 10, tzinfo=TOKYO))
    call = Call(client)
    dial = call.press(call.start(), "0")
    assert "担当者におつなぎします。" in dial.text
    assert dial.find("Dial").text == "+81943232222"
    assert dial.find("Dial").get("action") == "/twilio/voice/person/after/"
    missed = Twiml(call.post("/twilio/voice/person/after/", DialCallStatus="no-answer"))
    assert "担当者がただいま電話に出られません" in missed.text and missed.find("Record") is not None
    talked = Twiml(call.post("/twilio/voice/person/after/", DialCallStatus="completed"))
    assert talked.find("Hangup") is not None and talked.find("Record") is None


def test_public_holiday_is_out_of_hours(client, municipality, district, venue, topic, clock):
    clock.move_to(dt.datetime(2026, 11, 23, 10, tzinfo=TOKYO))  # 勤労感謝の日, a Monday
    call = Call(client)
    twiml = call.press(call.start(), "0")
    assert twiml.find("Dial") is None and twiml.find("Record") is not None


def test_out_of_hours_message_lands_in_the_coordinators_queue(client, municipality, district, venue, topic,
                                                             clock):
    clock.move_to(dt.datetime(2026, 12, 7, 18, 30, tzinfo=TOKYO))
    factories.LearnerFactory(municipality=municipality, phone="+819012345678", name="八女 花子")
    call = Call(client)
    twiml = call.press(call.start(), "0")
    assert "受付時間は平日の9時から17時です。" in twiml.text
    record = twiml.find("Record")
    assert record.get("action") == "/twilio/voice/voicemail/done/"
    callback = record.get("recordingStatusCallback")
    assert callback == "http://testserver/twilio/voice/voicemail/"
    params = {"RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
              "RecordingSid": "RE1", "RecordingStatus": "completed", "RecordingDuration": "14"}
    assert call.post("/twilio/voice/voicemail/", **params).status_code == 204
    assert call.post("/twilio/voice/voicemail/", **params).status_code == 204  # Twilio repeats itself
    followup = FollowUp.objects.get()
    assert followup.kind == FollowUp.Kind.VOICEMAIL and followup.state == FollowUp.State.OPEN
    assert followup.caller_phone == "+819012345678" and followup.recording_url == params["RecordingUrl"]
    assert "八女 花子" in followup.detail and "14秒" in followup.detail
    assert followup.learner.name == "八女 花子"  # the caller was known: the case is theirs, to see and to erase
    done = Twiml(call.post("/twilio/voice/voicemail/done/", RecordingUrl=params["RecordingUrl"]))
    assert "メッセージをお預かりしました。" in done.text and done.find("Hangup") is not None


def test_slot_taken_while_listening_reads_fresh_times(client, municipality, district, venue, topic,
                                                     tuesday_window, clock):
    factories.LearnerFactory(municipality=municipality, phone="+819012345678")
    call = Call(client)
    confirm = call.press(call.press(call.press(call.start(), "1"), "1"), "1")  # 10:00 chosen
    factories.LessonFactory(municipality=municipality, venue=venue, topic=topic,
                            volunteer=tuesday_window.volunteer,
                            starts_at=dt.datetime(2026, 12, 8, 10, tzinfo=TOKYO))
    twiml = call.press(confirm, "1")
    assert "たった今ほかの方が予約されました" in twiml.text
    assert "午前11時から" in twiml.text and twiml.gather is not None
    assert not Booking.objects.exists()


def test_the_called_number_picks_the_municipality(client, municipality, district, venue, topic, clock):
    factories.MunicipalityFactory(jis_code="402117", program_name="ちくごスマホ教室", program_phone="0942-53-0000")
    twiml = Call(client, to="+81942530000").start()
    assert "ちくごスマホ教室です。" in twiml.text
    assert CallSession.objects.get().municipality.jis_code == "402117"


def test_forged_or_missing_signature_is_refused(client, municipality, district, venue, topic, clock):
    call = Call(client)
    assert call.post("/twilio/voice/", signature="forged").status_code == 403
    assert client.post("/twilio/voice/", {"CallSid": "CA1"}).status_code == 403
    # Signed for other parameters: the Digits were tampered with.
    params = {**call.params, "Digits": "1"}
    signature = RequestValidator(TOKEN).compute_signature("http://testserver/twilio/voice/keys/menu/", params)
    tampered = client.post("/twilio/voice/keys/menu/", {**params, "Digits": "2"}, HTTP_X_TWILIO_SIGNATURE=signature)
    assert tampered.status_code == 403
    assert call.post("/twilio/voice/voicemail/", signature="x", RecordingUrl="https://x").status_code == 403
    assert not CallSession.objects.exists() and not FollowUp.objects.exists()


def test_a_step_for_an_unknown_call_starts_over(client, municipality, clock):
    twiml = Twiml(Call(client).post("/twilio/voice/keys/menu/", Digits="1"))
    assert twiml.find("Redirect").text == "/twilio/voice/"


def test_a_couple_on_one_landline_is_asked_whose_booking(client, municipality, district, venue, topic,
                                                         tuesday_window, clock):
    taro = factories.LearnerFactory(municipality=municipality, phone="+81943223333", name="八女 太郎",
                                    name_kana="やめ たろう", phone_kind="landline", reminder_channel="voice")
    hanako = factories.LearnerFactory(municipality=municipality, phone="+81943223333", name="八女 花子",
                                      name_kana="やめ はなこ", phone_kind="landline", reminder_channel="voice")
    call = Call(client, caller="+81943223333")
    who = call.press(call.start(), "1")
    assert "どなたのご予約ですか。" in who.text
    assert "やめ はなこ様は1を、" in who.text and "やめ たろう様は2を、" in who.text  # newest first
    assert "ほかの方は9を" in who.text
    confirm = call.press(call.press(call.press(who, "2"), "1"), "1")
    call.press(confirm, "1")
    assert Booking.objects.get().learner == taro
    # Checking reads everyone's bookings on the number, saying whose each one is.
    check_call = Call(client, sid="CA00000000000000000000000000000002", caller="+81943223333")
    check = check_call.press(check_call.start(), "2")
    assert "やめ たろう様のご予約です。" in check.text
    assert hanako.bookings.count() == 0


def test_someone_else_on_a_shared_number_books_as_a_new_caller(client, municipality, district, venue, topic,
                                                               tuesday_window, clock):
    for name in ("八女 太郎", "八女 花子"):
        factories.LearnerFactory(municipality=municipality, phone="+81943223333", name=name,
                                 phone_kind="landline", reminder_channel="voice")
    call = Call(client, caller="+81943223333")
    who = call.press(call.start(), "1")
    call.press(call.press(call.press(call.press(who, "9"), "1"), "1"), "1")
    booking = Booking.objects.get()
    assert booking.learner.name == "" and booking.learner.needs_callback
    assert FollowUp.objects.get().learner == booking.learner


def test_a_call_to_an_unknown_number_is_ended_politely(client, municipality, clock):
    factories.MunicipalityFactory(jis_code="402117", program_phone="0942-53-0000")
    twiml = Call(client, to="+81335551234").start()
    assert "この番号は現在使われておりません" in twiml.text and twiml.find("Hangup") is not None
    assert not CallSession.objects.exists()


def test_no_usable_coordinator_number_takes_a_message_even_in_office_hours(client, municipality, district, venue,
                                                                           topic, clock):
    clock.move_to(dt.datetime(2026, 12, 7, 10, tzinfo=TOKYO))
    municipality.coordinator_phone = "内線なし"
    municipality.save()
    call = Call(client)
    twiml = call.press(call.start(), "0")
    assert twiml.find("Dial") is None and twiml.find("Record") is not None


def test_a_time_a_volunteer_must_accept_says_how_and_by_when_we_call_back(client, municipality, district, venue,
                                                                          topic, volunteer, clock):
    factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=1, starts=dt.time(10),
                                  ends=dt.time(11), is_instant=False)
    call = Call(client, caller="+81943223333")  # a landline
    done = call.press(call.press(call.press(call.press(call.start(), "1"), "1"), "1"), "1")
    booking = Booking.objects.get()
    assert booking.state == Booking.State.PENDING and booking.channel == "voice"
    assert "ボランティアが決まりしだい、お電話でお知らせします。" in done.text
    assert "遅くとも12月" in done.text and "までにご連絡します。" in done.text
    assert done.text.count("、".join(booking.code)) == 2


def test_voicemail_case_is_written_in_the_programs_language(municipality, clock, settings):
    """Stored text a coordinator reads later, whatever language the request ran in."""
    from django.utils import translation

    from literacy.telephony.call_sessions import call_session_start, voicemail_record

    learner = factories.LearnerFactory(municipality=municipality, phone="+819012345678", name="八女 花子")
    session = call_session_start(call_sid="CA-lang-1", municipality=municipality, from_number="+819012345678")
    session.learner = learner
    with translation.override("en"):
        case = voicemail_record(session=session, recording_url="https://api.twilio.com/rec/RE-lang-1",
                                duration_seconds=14)
    assert case.detail == "+819012345678（八女 花子様）から14秒の伝言があります。"
    settings.LANGUAGE_CODE = "en"
    unknown = call_session_start(call_sid="CA-lang-2", municipality=municipality, from_number="+819099998888")
    case = voicemail_record(session=unknown, recording_url="https://api.twilio.com/rec/RE-lang-2")
    assert case.detail == "A message from +819099998888."
