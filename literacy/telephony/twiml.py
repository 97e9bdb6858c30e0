"""TwiML building blocks: Japanese speech (Amazon Polly) and the responses Twilio expects."""

from __future__ import annotations

from django.http import HttpResponse
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Gather, VoiceResponse

LANGUAGE = "ja-JP"
VOICE = "Polly.Mizuki"
# Seniors answer slowly: wait this long for a key before repeating the menu.
GATHER_TIMEOUT_SECONDS = 8


def say(node: VoiceResponse | Gather, text: str) -> None:
    node.say(text, language=LANGUAGE, voice=VOICE)


def gather(response: VoiceResponse, *, action: str, texts: list[str]) -> Gather:
    """A one-key menu: speech inside the Gather so a key press interrupts it."""
    menu = response.gather(num_digits=1, action=action, method="POST", timeout=GATHER_TIMEOUT_SECONDS)
    for text in texts:
        say(menu, text)
    return menu


def voice(response: VoiceResponse) -> HttpResponse:
    return HttpResponse(str(response), content_type="text/xml; charset=utf-8")


def message_reply(text: str | None) -> HttpResponse:
    reply = MessagingResponse()
    if text:
        reply.message(text)
    return HttpResponse(str(reply), content_type="text/xml; charset=utf-8")
