"""The seam to the outside world for SMS and calls: one provider chosen by settings.SMS_PROVIDER.

A provider has `send_sms(message)` and `start_call(message)`; each returns a SendResult or raises
TransientSendError (try again later) or PermanentSendError (never retry; maybe fall back).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from literacy.notifications.models import Message


@dataclass(frozen=True)
class SendResult:
    provider_id: str | None
    status: str = "sent"


class SendError(Exception):
    def __init__(self, code: str, detail: str = ""):
        self.code = str(code)
        self.detail = detail[:500]
        super().__init__(f"{self.code}: {self.detail}")


class TransientSendError(SendError):
    """The provider may accept the same message later (rate limit, outage, timeout)."""


class PermanentSendError(SendError):
    """The provider will never accept this message as it is (bad number, landline, opted out)."""


class Provider(Protocol):
    name: str

    def send_sms(self, message: Message) -> SendResult: ...

    def start_call(self, message: Message) -> SendResult: ...


def sms_voice_provider() -> Provider:
    """The provider named by settings.SMS_PROVIDER (console, memory or twilio)."""
    name = settings.SMS_PROVIDER
    if name == "memory":
        from literacy.notifications.providers.memory import MemoryProvider

        return MemoryProvider()
    if name == "console":
        from literacy.notifications.providers.console import ConsoleProvider

        return ConsoleProvider()
    if name == "twilio":
        from literacy.notifications.providers.twilio import TwilioProvider

        return TwilioProvider()
    raise ImproperlyConfigured(f"Unknown SMS_PROVIDER {name!r}: use console, memory or twilio.")
