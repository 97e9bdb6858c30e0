"""Twilio webhooks: inbound SMS, delivery status, and the reminder call's TwiML.

Each view checks the signature (@twilio_webhook), parses Twilio's form fields, calls one
service and renders TwiML. They answer fast and are idempotent on Twilio's ids.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from twilio.twiml.voice_response import VoiceResponse

from literacy.notifications import texts
from literacy.notifications.models import Message
from literacy.notifications.services import message_status_record
from literacy.telephony import services, twiml
from literacy.telephony.signatures import twilio_webhook


@twilio_webhook
def sms_inbound(request: HttpRequest) -> HttpResponse:
    sid = request.POST.get("MessageSid") or request.POST.get("SmsSid")
    if not sid:
        return HttpResponse("MessageSid missing", status=400)
    inbound = services.sms_inbound_receive(
        provider_id=sid, from_number=request.POST.get("From", ""), body=request.POST.get("Body", ""),
        to_number=request.POST.get("To", ""),
    )
    return twiml.message_reply(inbound.reply)


@twilio_webhook
def status_callback(request: HttpRequest) -> HttpResponse:
    sid = request.POST.get("MessageSid") or request.POST.get("SmsSid") or request.POST.get("CallSid")
    status = request.POST.get("MessageStatus") or request.POST.get("SmsStatus") or request.POST.get("CallStatus")
    if not sid or not status:
        return HttpResponse("sid and status required", status=400)
    message_status_record(
        provider_id=sid, status=status, error_code=request.POST.get("ErrorCode", ""), raw=request.POST.dict(),
    )
    return HttpResponse(status=204)


def _voice_message(message_id: int) -> Message | None:
    return (
        Message.objects.select_related("municipality", "booking", "learner")
        .filter(pk=message_id, channel=Message.Channel.VOICE).first()
    )


def _spoken(template: str, message: Message) -> str:
    municipality = message.municipality
    context = {"program": municipality.program_name, "phone": texts.display_phone(municipality.program_phone)}
    language = message.learner.language if message.learner else "ja"
    return texts.render_line(f"notifications/voice/{template}.txt", context, zone=municipality.zone, language=language)


@twilio_webhook
def voice_reminder(request: HttpRequest, message_id: int) -> HttpResponse:
    """The outbound call, answered: the message, then 1 confirm / 2 cancel / 3 repeat."""
    response = VoiceResponse()
    message = _voice_message(message_id)
    if message is None:
        response.hangup()
        return twiml.voice(response)
    booking = message.booking
    if booking is not None and not booking.is_active and message.kind != Message.Kind.LEARNER_CANCELLED:
        twiml.say(response, _spoken("stale", message))
        response.hangup()
        return twiml.voice(response)
    asks_for_answer = booking is not None and booking.state == "booked" and message.kind in Message.NEEDS_ACTIVE_BOOKING
    if not asks_for_answer:
        twiml.say(response, message.body)
        twiml.say(response, _spoken("goodbye", message))
        response.hangup()
        return twiml.voice(response)
    action = reverse("telephony:voice-reminder-answer", args=[message.pk])
    twiml.gather(response, action=action, texts=[message.body, _spoken("reminder_menu", message)])
    if request.GET.get("again") != "1":
        # No key pressed: say it all once more, then say goodbye.
        response.redirect(reverse("telephony:voice-reminder", args=[message.pk]) + "?again=1", method="POST")
    else:
        twiml.say(response, _spoken("goodbye", message))
        response.hangup()
    return twiml.voice(response)


@twilio_webhook
def voice_reminder_answer(request: HttpRequest, message_id: int) -> HttpResponse:
    response = VoiceResponse()
    message = _voice_message(message_id)
    if message is None:
        response.hangup()
        return twiml.voice(response)
    action = services.voice_reminder_keypress(
        message=message, call_sid=request.POST.get("CallSid", ""), digits=request.POST.get("Digits", "").strip(),
    )
    if action == services.CONFIRMED:
        twiml.say(response, _spoken("reply_confirmed", message))
    elif action == services.CANCELLED:
        twiml.say(response, _spoken("reply_cancelled", message))
    elif action == services.NO_BOOKING:
        twiml.say(response, _spoken("stale", message))
    else:
        response.redirect(reverse("telephony:voice-reminder", args=[message.pk]), method="POST")
        return twiml.voice(response)
    twiml.say(response, _spoken("goodbye", message))
    response.hangup()
    return twiml.voice(response)
