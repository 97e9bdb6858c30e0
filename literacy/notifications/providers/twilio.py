"""Twilio SMS and voice through the real `twilio.rest.Client`.

The HTTP client is injectable (a `twilio.http.HttpClient`), so tests drive the real library with
canned responses and nothing reaches the network. Errors are sorted into transient (retry with
backoff) and permanent (never retry) here, in one place.
"""

from __future__ import annotations

import math

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from literacy.notifications.providers import PermanentSendError, SendResult, TransientSendError

# Twilio error codes worth another try later; every other API error is permanent.
TRANSIENT_CODES = {20429, 20500, 20503, 30001}
# Twilio keeps an SMS in its queue at most this long (seconds); the API caps validity at 36000.
MAX_VALIDITY_SECONDS = 36000
REQUEST_TIMEOUT_SECONDS = 10


def callback_url(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


class TwilioProvider:
    name = "twilio"

    def __init__(self, *, http_client: HttpClient | None = None):
        if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN):
            raise ImproperlyConfigured("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set for SMS_PROVIDER=twilio.")
        self.client = Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=http_client or TwilioHttpClient(timeout=REQUEST_TIMEOUT_SECONDS),
        )

    def send_sms(self, message) -> SendResult:
        params = {
            "to": message.to,
            "body": message.body,
            "status_callback": callback_url("telephony:status"),
        }
        if settings.TWILIO_MESSAGING_SERVICE_SID:
            params["messaging_service_sid"] = settings.TWILIO_MESSAGING_SERVICE_SID
            # Validity only applies to messages queued in a Messaging Service: a reminder that
            # cannot leave before the lesson starts is better never sent.
            if message.not_after:
                seconds = math.floor((message.not_after - timezone.now()).total_seconds())
                params["validity_period"] = max(1, min(MAX_VALIDITY_SECONDS, seconds))
        elif settings.TWILIO_FROM_NUMBER:
            params["from_"] = settings.TWILIO_FROM_NUMBER
        else:
            raise ImproperlyConfigured("Set TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER.")
        sent = self._call(lambda: self.client.messages.create(**params))
        return SendResult(provider_id=sent.sid, status=sent.status or "queued")

    def start_call(self, message) -> SendResult:
        if not settings.TWILIO_FROM_NUMBER:
            raise ImproperlyConfigured("Voice calls need TWILIO_FROM_NUMBER (the program's number).")
        call = self._call(
            lambda: self.client.calls.create(
                to=message.to,
                from_=settings.TWILIO_FROM_NUMBER,
                url=callback_url("telephony:voice-reminder", message.pk),
                status_callback=callback_url("telephony:status"),
                status_callback_event=["completed"],
                timeout=30,
            )
        )
        return SendResult(provider_id=call.sid, status=call.status or "queued")

    @staticmethod
    def _call(send):
        try:
            return send()
        except TwilioRestException as exc:
            code = exc.code or exc.status
            if exc.status == 429 or exc.status >= 500 or (exc.code in TRANSIENT_CODES):
                raise TransientSendError(code, exc.msg) from exc
            raise PermanentSendError(code, exc.msg) from exc
        except requests.exceptions.RequestException as exc:
            # Timeouts and dropped connections: Twilio may or may not have the message. Twilio
            # has no idempotency key for messages, so we accept the small risk of a duplicate
            # over the larger one of a senior missing a reminder.
            raise TransientSendError(type(exc).__name__, str(exc)) from exc
        except TwilioException as exc:
            raise TransientSendError("twilio", str(exc)) from exc
