"""Who may see what: coordinators are scoped to their municipalities and must use two-factor
authentication before any page with personal data; volunteers see only their own records."""

from __future__ import annotations

from functools import wraps

from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers

from literacy.places.models import Municipality

CHOSEN_MUNICIPALITY_KEY = "coordinator_municipality"


def coordinator_municipalities(user) -> list[Municipality]:
    if not user.is_authenticated:
        return []
    return list(Municipality.objects.filter(coordinator_roles__user=user).order_by("jis_code"))


def coordinator_required(view):
    """Logged in, a coordinator of at least one municipality, and with MFA on.

    Sets request.municipalities (the scope) and request.municipality (the one being worked on:
    the one chosen with ?m=<jis_code>, remembered for the session, else the first). Anyone else
    gets a 404, never a hint.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        municipalities = coordinator_municipalities(request.user)
        if not municipalities:
            raise Http404()
        if not is_mfa_enabled(request.user):
            return redirect("mfa_activate_totp")
        request.municipalities = municipalities
        # The choice is remembered for the session, so links need not carry ?m= from page to page.
        chosen = request.GET.get("m") or request.session.get(CHOSEN_MUNICIPALITY_KEY)
        request.municipality = next((m for m in municipalities if m.jis_code == chosen), municipalities[0])
        if request.GET.get("m") == request.municipality.jis_code:
            request.session[CHOSEN_MUNICIPALITY_KEY] = request.municipality.jis_code
        response = view(request, *args, **kwargs)
        # Residents' data stays out of the browser's cache (an office PC's disk, its Back button,
        # which would also bring back a form whose one-time key was spent).
        add_never_cache_headers(response)
        return response

    return wrapper


def volunteer_of(user):
    """The user's volunteer profile, or 404."""
    volunteer = getattr(user, "volunteer", None) if user.is_authenticated else None
    if volunteer is None:
        raise Http404()
    return volunteer
