"""Email through Django's email framework (console in development, SMTP in production).

A calendar invite travels as a text/calendar part with its iTIP method, which is what makes
mail programs show it as an invitation rather than a file.
"""

from __future__ import annotations

import smtplib
from email.mime.text import MIMEText

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from literacy.notifications.providers import PermanentSendError, SendResult, TransientSendError


def invite_part(ics: str, method: str) -> MIMEText:
    part = MIMEText(ics, "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="invite.ics")
    return part


def send_email(message) -> SendResult:
    email = EmailMultiAlternatives(
        subject=message.subject, body=message.body, from_email=settings.DEFAULT_FROM_EMAIL, to=[message.to],
        headers={"X-Oshieai-Message": str(message.pk)},
    )
    ics = message.payload.get("ics")
    if ics:
        email.attach(invite_part(ics, message.payload.get("ics_method", "REQUEST")))
    try:
        email.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentSendError("smtp_refused", str(exc)) from exc
    except smtplib.SMTPResponseException as exc:
        error = TransientSendError if 400 <= exc.smtp_code < 500 else PermanentSendError
        raise error(f"smtp_{exc.smtp_code}", str(exc.smtp_error)) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise TransientSendError("smtp", str(exc)) from exc
    return SendResult(provider_id=None)
