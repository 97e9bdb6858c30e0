"""Whose data a request may see: the caller's role and the municipality it works in.

Kiosks belong to one municipality, volunteers to theirs, coordinators to the ones they serve
(`?municipality=<jis_code>` picks one; the first otherwise). Anonymous readers name the
municipality with `?municipality=<jis_code>`.
"""

from __future__ import annotations

from allauth.mfa.utils import is_mfa_enabled
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication

from api.authentication import KioskPrincipal
from literacy.accounts.access import coordinator_municipalities
from literacy.kiosk.models import KioskDevice
from literacy.people.models import Volunteer
from literacy.places.models import Municipality

MUNICIPALITY_PARAM = "municipality"


def kiosk_device(request) -> KioskDevice | None:
    user = request.user
    return user.device if isinstance(user, KioskPrincipal) else None


def is_account(request) -> bool:
    """A person's account (volunteer or coordinator), not a kiosk and not anonymous."""
    return request.user.is_authenticated and not isinstance(request.user, KioskPrincipal)


def volunteer_profile(request) -> Volunteer | None:
    if not is_account(request):
        return None
    try:
        return request.user.volunteer
    except Volunteer.DoesNotExist:
        return None


def coordinator_scope(request) -> list[Municipality]:
    if not is_account(request):
        return []
    if not hasattr(request, "_api_coordinator_scope"):
        request._api_coordinator_scope = coordinator_municipalities(request.user)
    return request._api_coordinator_scope


def coordinator_municipality(request) -> Municipality:
    """The municipality a coordinator works on in this request; one they do not serve is a 404."""
    scope = coordinator_scope(request)
    chosen = request.query_params.get(MUNICIPALITY_PARAM)
    if not chosen:
        return scope[0]
    for municipality in scope:
        if municipality.jis_code == chosen:
            return municipality
    raise exceptions.NotFound()


def needs_second_factor(request) -> bool:
    """Coordinators see personal data: on the site's session they must have MFA, as on the pages.
    A token is issued by an administrator for an integration and is its own credential."""
    return isinstance(request.successful_authenticator, SessionAuthentication) and not is_mfa_enabled(
        request.user
    )


def request_municipality(request) -> Municipality:
    """The municipality for public reads and bookings: the caller's own, or the one named."""
    device = kiosk_device(request)
    if device is not None:
        return device.municipality
    if coordinator_scope(request):
        return coordinator_municipality(request)
    volunteer = volunteer_profile(request)
    if volunteer is not None:
        return volunteer.municipality
    chosen = request.query_params.get(MUNICIPALITY_PARAM, "").strip()
    if not chosen:
        raise exceptions.ValidationError({MUNICIPALITY_PARAM: [_("自治体コードを指定してください。")]})
    municipality = Municipality.objects.filter(jis_code=chosen[:6]).first() if len(chosen) == 6 else None
    if municipality is None:
        raise exceptions.ValidationError({MUNICIPALITY_PARAM: [_("この自治体コードは登録されていません。")]})
    return municipality
