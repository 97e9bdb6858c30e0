"""The kiosk's device credential: a long-lived signed, HttpOnly cookie holding the device key.
Every kiosk page needs an active device; anything else goes to the activation page."""

from __future__ import annotations

from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from literacy.kiosk.models import KioskDevice
from literacy.kiosk.services import kiosk_device_for_key, kiosk_seen

DEVICE_COOKIE = "oshieai_kiosk"
DEVICE_COOKIE_SALT = "literacy.kiosk.device"
# A kiosk is set up once and then left alone for years; revocation, not expiry, ends it.
DEVICE_COOKIE_MAX_AGE = 5 * 365 * 24 * 60 * 60


def device_from_request(request: HttpRequest) -> KioskDevice | None:
    key = request.get_signed_cookie(DEVICE_COOKIE, default=None, salt=DEVICE_COOKIE_SALT,
                                    max_age=DEVICE_COOKIE_MAX_AGE)
    return kiosk_device_for_key(key)


def remember_device(response: HttpResponse, *, request: HttpRequest, key: str) -> HttpResponse:
    response.set_signed_cookie(
        DEVICE_COOKIE, key, salt=DEVICE_COOKIE_SALT, max_age=DEVICE_COOKIE_MAX_AGE, httponly=True,
        samesite="Lax", secure=request.is_secure(),
    )
    return response


def kiosk_device_required(view):
    """Sets request.kiosk_device; without an active device, the activation page (and no data)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        device = device_from_request(request)
        if device is None:
            # Whatever a revoked kiosk had in its session goes too.
            request.session.flush()
            return redirect("kiosk:activate")
        kiosk_seen(device=device)
        request.kiosk_device = device
        return view(request, *args, **kwargs)

    return wrapper
