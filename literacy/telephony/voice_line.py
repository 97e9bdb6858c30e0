"""The voice line: a Japanese keypad menu to book, check or cancel help, or reach a person.

Every menu is a <Gather> whose action is the handler of that menu; a <Redirect> after it brings
silence back to the same handler without Digits. The handler either moves the call on, or counts
a miss: after MAX_TRIES misses in a row the caller is handed to a person (or a recorded message
out of hours), so no menu loops forever. The call's state lives in CallSession, keyed by CallSid.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from twilio.twiml.voice_response import Gather, Say, VoiceResponse

from literacy.core.errors import ConflictError, DomainError, InvalidPhoneNumber
from literacy.curriculum.models import Topic
from literacy.people.models import Learner
from literacy.places.models import District, Municipality, Venue
from literacy.scheduling.models import Booking
from literacy.scheduling.slots import bookable_times, is_public_holiday
from literacy.telephony.call_limits import call_limit_check
from literacy.telephony.call_sessions import (
    call_session_end,
    call_session_miss,
    call_session_move,
    call_session_set_learner,
    call_session_start,
    caller_e164,
    voice_booking_cancel,
    voice_booking_create,
    voicemail_record,
)
from literacy.telephony.models import CallSession
from literacy.telephony.signatures import twilio_webhook
from literacy.telephony.voice_selectors import (
    booking_place_and_time,
    districts_for_voice,
    learners_for_caller,
    municipality_for_called_number,
    topics_by_demand,
    upcoming_bookings_for_phone,
)

logger = logging.getLogger(__name__)

VOICE = {"language": "ja-JP", "voice": "Polly.Mizuki"}
MAX_TRIES = 3
# Seniors need time to find the key; the clock starts when the prompt has been read.
GATHER_TIMEOUT = 8
TOPIC_KEYS = 8  # 1–8 are topics, 9 is "something else" (a person)
OTHER_TOPIC_KEY = "9"
TIMES_OFFERED = 5
DAYS_AHEAD = 14
WEEKDAYS = "月火水木金土日"


# --- speaking ---------------------------------------------------------------------------------

def spoken_time(moment: dt.datetime, municipality: Municipality) -> str:
    """'12月8日、火曜日、午前10時' — the way a time is said on Japanese phone lines."""
    local = timezone.localtime(moment, municipality.zone)
    half = "午前" if local.hour < 12 else "午後"
    hour = local.hour if local.hour <= 12 else local.hour - 12
    minutes = f"{local.minute}分" if local.minute else ""
    return f"{local.month}月{local.day}日、{WEEKDAYS[local.weekday()]}曜日、{half}{hour}時{minutes}"


def spoken_digits(code: str) -> str:
    """'1、2、3、4、5、6': digit by digit, with a pause between, so it can be written down."""
    return "、".join(code)


def spoken_name(thing) -> str:
    """Kana when we have it: the speech engine reads kana right, place names in kanji not always."""
    return getattr(thing, "name_kana", "") or thing.name


def _say(target, text: str) -> None:
    target.say(text, **VOICE)


def _gather_response(step: str, texts: Sequence[str]) -> VoiceResponse:
    action = reverse("voice_line:step", args=[step])
    response = VoiceResponse()
    gather = Gather(input="dtmf", num_digits=1, action=action, method="POST", timeout=GATHER_TIMEOUT)
    for text in texts:
        _say(gather, text)
    response.append(gather)
    # Reached only when the caller pressed nothing: the handler sees no Digits and counts a miss.
    response.redirect(action, method="POST")
    return response


def _goodbye(response: VoiceResponse, *texts: str) -> VoiceResponse:
    for text in texts:
        _say(response, text)
    _say(response, _("お電話ありがとうございました。"))
    response.hangup()
    return response


# --- moving through the menus -----------------------------------------------------------------

def _ask(session: CallSession, step: str, texts: list[str], *, before: Sequence[str] = (), **data) -> VoiceResponse:
    """Enter a menu: remember what is read (a retry repeats it word for word), then read it."""
    call_session_move(session=session, step=step, prompt=texts, **data)
    return _gather_response(step, [*before, *texts])


def _miss(request: HttpRequest, session: CallSession, step: str, digits: str) -> VoiceResponse:
    tries = call_session_miss(session=session)
    if tries >= MAX_TRIES:
        return _to_person(request, session, before=[_("うまくお受けできませんでした。")])
    reason = _("もう一度お願いします。") if digits else _("ボタンが押されませんでした。")
    return _gather_response(step, [reason, *session.data.get("prompt", [])])


def _enter_menu(request, session, *, before: Sequence[str] = ()) -> VoiceResponse:
    return _ask(session, "menu", [
        _("ご予約は1を、ご予約の確認やキャンセルは2を、担当者とお話しになるには0を押してください。"),
    ], before=before)


def _handle_menu(request, session, digits):
    if digits == "1":
        return _enter_who(request, session)
    if digits == "2":
        return _enter_check(request, session)
    if digits == "0":
        return _to_person(request, session)
    return None


def _enter_who(request, session) -> VoiceResponse:
    """Several named learners on this number (a couple on a landline): ask whose booking it is."""
    phone = caller_e164(session.from_number)
    named = [learner for learner in learners_for_caller(municipality=session.municipality, phone_e164=phone)[:8]
             if learner.name] if phone else []
    if len(named) < 2:
        return _enter_topic(request, session)
    texts = [_("どなたのご予約ですか。")]
    texts += [_("%(name)s様は%(key)sを、") % {"name": spoken_name(learner), "key": i}
              for i, learner in enumerate(named, 1)]
    texts.append(_("ほかの方は9を押してください。"))
    return _ask(session, "who", texts, learner_ids=[learner.pk for learner in named])


def _handle_who(request, session, digits):
    learner_ids = session.data.get("learner_ids", [])
    if digits == "9":
        call_session_set_learner(session=session, learner=None)
        return _enter_topic(request, session)
    if digits.isdigit() and 1 <= int(digits) <= len(learner_ids):
        learner = Learner.objects.get(pk=learner_ids[int(digits) - 1], municipality=session.municipality)
        call_session_set_learner(session=session, learner=learner)
        return _enter_topic(request, session)
    return None


def _enter_topic(request, session, *, before: Sequence[str] = ()) -> VoiceResponse:
    topics = topics_by_demand(municipality=session.municipality, limit=TOPIC_KEYS)
    if not topics:
        return _to_person(request, session, before=[_("担当者がご用件をうかがいます。")])
    texts = [_("ご相談の内容を選んでください。")]
    texts += [_("%(topic)sは%(key)sを、") % {"topic": spoken_name(t), "key": i} for i, t in enumerate(topics, 1)]
    texts.append(_("そのほかのご相談は9を押してください。"))
    return _ask(session, "topic", texts, before=before, topic_ids=[t.pk for t in topics])


def _handle_topic(request, session, digits):
    if digits == OTHER_TOPIC_KEY:
        return _to_person(request, session, before=[_("担当者がご用件をうかがいます。")])
    topic_ids = session.data.get("topic_ids", [])
    if digits.isdigit() and 1 <= int(digits) <= len(topic_ids):
        call_session_move(session=session, step="topic", topic_id=topic_ids[int(digits) - 1])
        return _enter_area(request, session)
    return None


def _enter_area(request, session) -> VoiceResponse:
    districts = districts_for_voice(municipality=session.municipality, limit=9)
    if len(districts) <= 1:
        # One area only: nothing to choose.
        call_session_move(session=session, step="area", district_id=districts[0].pk if districts else None)
        return _enter_time(request, session)
    texts = [_("ご希望の地区を選んでください。")]
    texts += [_("%(area)sは%(key)sを、") % {"area": spoken_name(d), "key": i} for i, d in enumerate(districts, 1)]
    texts.append(_("押してください。"))
    return _ask(session, "area", texts, district_ids=[d.pk for d in districts])


def _handle_area(request, session, digits):
    district_ids = session.data.get("district_ids", [])
    if digits.isdigit() and 1 <= int(digits) <= len(district_ids):
        call_session_move(session=session, step="area", district_id=district_ids[int(digits) - 1])
        return _enter_time(request, session)
    return None


def _enter_time(request, session, *, before: Sequence[str] = ()) -> VoiceResponse:
    """Find the next free times once, keep them on the session, and read the first."""
    municipality = session.municipality
    topic = Topic.objects.get(pk=session.data["topic_id"], municipality=municipality)
    district_id = session.data.get("district_id")
    district = District.objects.get(pk=district_id, municipality=municipality) if district_id else None
    today = timezone.localdate(timezone.now(), municipality.zone)
    slots = bookable_times(municipality=municipality, topic=topic, district=district, start_date=today,
                           end_date=today + dt.timedelta(days=DAYS_AHEAD))
    seen, offered = set(), []
    for slot in slots:
        # Two venues at the same hour are two choices; two volunteers free at one venue are one.
        if (slot.starts_at, slot.venue_id) in seen:
            continue
        seen.add((slot.starts_at, slot.venue_id))
        offered.append({"starts_at": slot.starts_at.isoformat(), "venue_id": slot.venue_id,
                        "lesson_id": slot.lesson_id})
        if len(offered) == TIMES_OFFERED:
            break
    if not offered:
        return _to_person(request, session, before=[*before, _("申し訳ありません。ただいまご案内できる空き時間がありません。")])
    call_session_move(session=session, step="time", slots=offered)
    return _offer_time(session, 0, before=before)


def _offered_slot(session, index: int) -> tuple[dt.datetime, Venue, int | None]:
    chosen = session.data["slots"][index]
    venue = Venue.objects.get(pk=chosen["venue_id"], municipality=session.municipality)
    return dt.datetime.fromisoformat(chosen["starts_at"]), venue, chosen["lesson_id"]


def _offer_time(session, index: int, *, before: Sequence[str] = ()) -> VoiceResponse:
    starts_at, venue, _lesson_id = _offered_slot(session, index)
    texts = [
        _("%(when)sから、%(venue)sです。") % {"when": spoken_time(starts_at, session.municipality),
                                            "venue": spoken_name(venue)},
        _("この時間でよろしければ1を、次の時間は2を押してください。"),
    ]
    return _ask(session, "time", texts, before=before, slot_index=index)


def _next_time(request, session) -> VoiceResponse:
    index = session.data.get("slot_index", 0) + 1
    if index >= len(session.data.get("slots", [])):
        return _to_person(request, session, before=[_("ご案内できる時間は以上です。ほかの日時は担当者がご相談にのります。")])
    return _offer_time(session, index)


def _handle_time(request, session, digits):
    if digits == "1":
        starts_at, venue, _lesson_id = _offered_slot(session, session.data.get("slot_index", 0))
        topic = Topic.objects.get(pk=session.data["topic_id"])
        return _ask(session, "confirm", [
            _("%(when)sから、%(venue)sで、%(topic)sのご相談を予約します。") % {
                "when": spoken_time(starts_at, session.municipality), "venue": spoken_name(venue),
                "topic": spoken_name(topic)},
            _("よろしければ1を、ほかの時間を選ぶには2を押してください。"),
        ])
    if digits == "2":
        return _next_time(request, session)
    return None


def _handle_confirm(request, session, digits):
    if digits == "2":
        return _next_time(request, session)
    if digits != "1":
        return None
    starts_at, venue, lesson_id = _offered_slot(session, session.data.get("slot_index", 0))
    topic = Topic.objects.get(pk=session.data["topic_id"], municipality=session.municipality)
    try:
        result = voice_booking_create(session=session, topic=topic, venue=venue, starts_at=starts_at,
                                      lesson_id=lesson_id)
    except InvalidPhoneNumber:
        return _to_person(request, session, before=[_("番号が非通知のため、自動ではご予約をお受けできません。")])
    except ConflictError as exc:
        # Taken a moment ago, or the caller already has a lesson then: read fresh times.
        return _enter_time(request, session, before=[str(exc)])
    except DomainError as exc:
        return _to_person(request, session, before=[str(exc)])
    booking = result.booking
    call_session_move(session=session, step="done", booking_id=booking.pk)
    call_session_end(session=session)
    response = VoiceResponse()
    if result.confirmed:
        _say(response, _("ご予約が確定しました。"))
    else:
        how = _("ショートメール") if booking.learner.can_receive_sms else _("お電話")
        _say(response, _("ボランティアが決まりしだい、%(how)sでお知らせします。") % {"how": how})
        if result.confirm_by:
            _say(response, _("遅くとも%(when)sまでにご連絡します。") % {
                "when": spoken_time(result.confirm_by, session.municipality)})
    code = spoken_digits(booking.code)
    say = Say("", **VOICE)
    say.prosody(_("予約番号を申し上げます。%(code)s。もう一度申し上げます。%(code)s。") % {"code": code}, rate="slow")
    response.append(say)
    if booking.learner.needs_callback:
        _say(response, _("後ほど担当者から、お名前などの確認のお電話をいたします。"))
    _say(response, _("ご予約の確認やキャンセルは、この番号にお電話いただき2を押してください。"))
    return _goodbye(response)


def _enter_check(request, session, *, before: Sequence[str] = ()) -> VoiceResponse:
    phone = caller_e164(session.from_number)
    bookings = upcoming_bookings_for_phone(
        municipality=session.municipality, phone_e164=phone, now=timezone.now()
    ) if phone else []
    if not bookings:
        return _enter_menu(request, session, before=[*before, _("このお電話番号でのご予約は見つかりませんでした。")])
    # Whose booking it is matters only when several people share the number.
    several = learners_for_caller(municipality=session.municipality, phone_e164=phone).count() > 1
    call_session_move(session=session, step="check", booking_ids=[b.pk for b in bookings], say_names=several)
    count = [_("ご予約は%(count)s件あります。") % {"count": len(bookings)}]
    return _read_booking(session, 0, before=[*before, *count])


def _booking_of_session(session, index: int) -> Booking:
    return (
        Booking.objects.select_related("learner", "lesson__venue", "lesson__topic", "help_request__venue",
                                       "help_request__topic")
        .get(pk=session.data["booking_ids"][index], municipality=session.municipality)
    )


def _read_booking(session, index: int, *, before: Sequence[str] = ()) -> VoiceResponse:
    booking = _booking_of_session(session, index)
    starts_at, venue, topic = booking_place_and_time(booking)
    last = index == len(session.data["booking_ids"]) - 1
    whose = [_("%(name)s様のご予約です。") % {"name": spoken_name(booking.learner)}] if (
        session.data.get("say_names") and booking.learner.name) else []
    texts = [
        *whose,
        _("%(when)sから、%(venue)sで、%(topic)s。") % {
            "when": spoken_time(starts_at, session.municipality), "venue": spoken_name(venue),
            "topic": spoken_name(topic)},
        _("予約番号は%(code)sです。") % {"code": spoken_digits(booking.code)},
        _("このご予約をキャンセルするには1を、") + (
            _("終わるには9を押してください。") if last else _("次のご予約は2を、終わるには9を押してください。")),
    ]
    return _ask(session, "check", texts, before=before, booking_index=index)


def _after_booking(session, index: int, *, before: Sequence[str] = ()) -> VoiceResponse:
    if index + 1 < len(session.data["booking_ids"]):
        return _read_booking(session, index + 1, before=before)
    call_session_end(session=session)
    return _goodbye(VoiceResponse(), *before, _("ご予約は以上です。"))


def _handle_check(request, session, digits):
    index = session.data.get("booking_index", 0)
    if digits == "1":
        booking = _booking_of_session(session, index)
        starts_at, _venue, _topic = booking_place_and_time(booking)
        return _ask(session, "cancel", [
            _("%(when)sからのご予約をキャンセルします。") % {"when": spoken_time(starts_at, session.municipality)},
            _("よろしければ1を、キャンセルしない場合は2を押してください。"),
        ])
    if digits == "2":
        return _after_booking(session, index)
    if digits == "9":
        call_session_end(session=session)
        return _goodbye(VoiceResponse())
    return None


def _handle_cancel(request, session, digits):
    index = session.data.get("booking_index", 0)
    if digits == "2":
        return _read_booking(session, index)
    if digits != "1":
        return None
    try:
        voice_booking_cancel(session=session, booking_id=session.data["booking_ids"][index])
    except DomainError as exc:
        return _after_booking(session, index, before=[str(exc)])
    return _after_booking(session, index, before=[_("キャンセルしました。")])


# --- a person: the coordinators' phone in office hours, a recorded message otherwise -------------

def office_is_open(municipality: Municipality, now: dt.datetime) -> bool:
    """Weekdays, not public holidays, between the municipality's office hours (local time)."""
    local = timezone.localtime(now, municipality.zone)
    return (
        caller_e164(municipality.coordinator_phone) is not None  # nobody to ring: take a message
        and local.weekday() < 5
        and not is_public_holiday(local.date())
        and municipality.office_opens <= local.time() < municipality.office_closes
    )


def _to_person(request, session, *, before: Sequence[str] = ()) -> VoiceResponse:
    municipality = session.municipality
    response = VoiceResponse()
    for text in before:
        _say(response, text)
    if office_is_open(municipality, timezone.now()):
        call_session_move(session=session, step="person")
        _say(response, _("担当者におつなぎします。そのままお待ちください。"))
        response.dial(caller_e164(municipality.coordinator_phone), timeout=25,
                      action=reverse("voice_line:person_after"), method="POST")
        return response
    opens, closes = municipality.office_opens, municipality.office_closes
    _say(response, _("ただいま担当者がお電話に出られません。受付時間は平日の%(opens)s時から%(closes)s時です。") % {
        "opens": opens.hour, "closes": closes.hour})
    return _record(request, session, response)


def _record(request, session, response: VoiceResponse) -> VoiceResponse:
    call_session_move(session=session, step="voicemail")
    _say(response, _("発信音のあとに、お名前とご用件をお話しください。折り返しお電話いたします。終わりましたら電話をお切りください。"))
    response.record(
        action=reverse("voice_line:voicemail_done"), method="POST", max_length=120, timeout=6,
        play_beep=True, finish_on_key="#",
        recording_status_callback=request.build_absolute_uri(reverse("voice_line:voicemail")),
        recording_status_callback_method="POST",
    )
    return _goodbye(response)


# --- the webhooks -------------------------------------------------------------------------------

HANDLERS: dict[str, Callable] = {
    "menu": _handle_menu,
    "who": _handle_who,
    "topic": _handle_topic,
    "area": _handle_area,
    "time": _handle_time,
    "confirm": _handle_confirm,
    "check": _handle_check,
    "cancel": _handle_cancel,
}


def _twiml(response: VoiceResponse) -> HttpResponse:
    return HttpResponse(str(response), content_type="text/xml; charset=utf-8")


@twilio_webhook
def voice_incoming(request: HttpRequest) -> HttpResponse:
    """A call arrives: greet in the programme's name and read the main menu."""
    with translation.override("ja"):
        municipality = municipality_for_called_number(request.POST.get("To", ""))
        if municipality is None:
            logger.warning("voice call to an unknown number %s", request.POST.get("To"))
            response = VoiceResponse()
            _say(response, _("申し訳ありません。この番号は現在使われておりません。"))
            response.hangup()
            return _twiml(response)
        call_sid, from_number = request.POST.get("CallSid", ""), request.POST.get("From", "")
        count = call_limit_check(municipality=municipality, from_number=from_number, call_sid=call_sid)
        if count.over_limit:
            # No session is written for a refused call, so a flood does not grow the table; the only
            # write is the coordinators' one case for the number, at most once a day.
            logger.warning("voice call refused: caller over the call limit (municipality %s)", municipality.pk)
            return _twiml(_too_many_calls(withheld=count.withheld))
        session = call_session_start(call_sid=call_sid, municipality=municipality, from_number=from_number)
        greeting = _("お電話ありがとうございます。%(program)sです。") % {"program": municipality.program_name}
        return _twiml(_enter_menu(request, session, before=[greeting]))


def _too_many_calls(*, withheld: bool) -> VoiceResponse:
    """A caller over the call limit: a short apology and goodbye; no menu, no recording."""
    response = VoiceResponse()
    _say(response, _("お電話ありがとうございます。申し訳ありませんが、お電話が続いているため、しばらくのあいだ自動の受付をお休みしています。"))
    if withheld:
        _say(response, _("電話番号の前に186をつけて、番号を通知しておかけ直しいただくと、おつなぎしやすくなります。"))
    _say(response, _("時間をおいて、もう一度おかけ直しください。"))
    response.hangup()
    return response


def _session_of(request: HttpRequest) -> CallSession | None:
    return (
        CallSession.objects.select_related("municipality", "learner")
        .filter(call_sid=request.POST.get("CallSid", "")).first()
    )


@twilio_webhook
def voice_step(request: HttpRequest, step: str) -> HttpResponse:
    """The caller answered a menu (Digits), or said nothing (no Digits)."""
    handler = HANDLERS.get(step)
    if handler is None:
        raise Http404()
    with translation.override("ja"):
        session = _session_of(request)
        if session is None:
            # We lost the call (or it never began here): start again from the greeting.
            response = VoiceResponse()
            response.redirect(reverse("voice_line:incoming"), method="POST")
            return _twiml(response)
        digits = request.POST.get("Digits", "").strip()
        response = handler(request, session, digits) if digits else None
        return _twiml(response or _miss(request, session, step, digits))


@twilio_webhook
def voice_person_after(request: HttpRequest) -> HttpResponse:
    """The <Dial> to the coordinators ended: done if they talked, otherwise take a message."""
    with translation.override("ja"):
        session = _session_of(request)
        response = VoiceResponse()
        if request.POST.get("DialCallStatus") == "completed" or session is None:
            response.hangup()
            return _twiml(response)
        _say(response, _("申し訳ありません。担当者がただいま電話に出られません。"))
        return _twiml(_record(request, session, response))


@twilio_webhook
def voice_voicemail_done(request: HttpRequest) -> HttpResponse:
    """<Record> finished (the recording itself is reported to voice_voicemail)."""
    with translation.override("ja"):
        session = _session_of(request)
        if session:
            call_session_end(session=session)
        return _twiml(_goodbye(VoiceResponse(), _("メッセージをお預かりしました。")))


@twilio_webhook
def voice_voicemail(request: HttpRequest) -> HttpResponse:
    """Twilio's recording status callback: the message goes into the coordinators' queue."""
    session = _session_of(request)
    recording_url = request.POST.get("RecordingUrl", "")
    if session is None or not recording_url or request.POST.get("RecordingStatus", "completed") != "completed":
        return HttpResponse(status=204)
    duration = request.POST.get("RecordingDuration", "")
    voicemail_record(session=session, recording_url=recording_url,
                     duration_seconds=int(duration) if duration.isdigit() else None)
    return HttpResponse(status=204)
