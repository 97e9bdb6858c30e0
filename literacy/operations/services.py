"""Writes about running the installation: worker heartbeats, the first municipality and coordinator."""

from __future__ import annotations

import datetime as dt

from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from literacy.accounts.models import CoordinatorRole, User
from literacy.operations.models import WorkerHeartbeat
from literacy.places.models import Municipality


@transaction.atomic
def heartbeat_record(*, name: str, now: dt.datetime | None = None) -> WorkerHeartbeat:
    """Called by each worker loop (`manage.py run_worker`, the Celery beat task): "I am alive".

    One row per worker name, updated in place, so the table never grows.
    """
    heartbeat, _created = WorkerHeartbeat.objects.update_or_create(
        name=name[:100], defaults={"beat_at": now or timezone.now()}
    )
    return heartbeat


@transaction.atomic
def municipality_create(*, jis_code: str, name: str, name_en: str = "") -> Municipality:
    """The tenant a new installation starts with; everything else is imported into it."""
    municipality = Municipality(jis_code=jis_code.strip(), name=name.strip(), name_en=name_en.strip(),
                                slug=f"m{jis_code.strip()}")
    municipality.full_clean()
    municipality.save()
    return municipality


@transaction.atomic
def coordinator_create(
    *, email: str, municipality: Municipality, password: str | None, display_name: str = ""
) -> tuple[User, bool]:
    """A coordinator account for this municipality; (user, created).

    An existing account (a volunteer, or a coordinator of another city) gets the role added and
    keeps its password unless a new one is given. The email counts as verified: the person
    running this command on the server vouches for it. Coordinators must still set up
    two-factor authentication at first sign-in before they see any personal data.
    Raises django.core.exceptions.ValidationError for a weak password.
    """
    email = User.objects.normalize_email(email).strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if user is None:
        user = User(email=email, display_name=display_name)
    if password is not None:
        validate_password(password, user)
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    CoordinatorRole.objects.get_or_create(user=user, municipality=municipality)
    return user, created
