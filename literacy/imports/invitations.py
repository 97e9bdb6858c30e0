"""The invitation an imported volunteer receives: a link to set their own password.

It is allauth's password-reset link (same token, same page, same expiry), worded as a welcome:
the account already exists, with no usable password, so nobody can sign in until they follow it.
Sent after the import commits, never inside its transaction.
"""

from __future__ import annotations

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from literacy.places.models import Municipality


def invitation_url(user) -> str:
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    return settings.SITE_URL.rstrip("/") + path


def volunteer_invitation_send(*, user, municipality: Municipality) -> None:
    context = {
        "user": user,
        "name": user.display_name or user.email,
        "municipality": municipality,
        "url": invitation_url(user),
        "login_url": settings.SITE_URL.rstrip("/") + reverse("account_login"),
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    with translation.override("ja"):
        subject = render_to_string("imports/email/volunteer_invitation_subject.txt", context).strip()
        body = render_to_string("imports/email/volunteer_invitation_message.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
