"""Kiosk devices authenticate with their device key: `Authorization: Device <key>`.

Only the key's SHA-256 is stored (KioskDevice.key_hash); a revoked or not yet activated device
is refused. The authenticated "user" is a KioskPrincipal, not an account: kiosks book for the
learner standing in front of them and can see nothing else.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from literacy.kiosk.models import KioskDevice
from literacy.kiosk.services import kiosk_device_for_key

KEYWORD = "Device"


class KioskPrincipal:
    """request.user for a kiosk device: authenticated, but no account and no role."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, device: KioskDevice):
        self.device = device

    def __str__(self) -> str:
        return f"kiosk:{self.device.pk}"


class DeviceKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("端末キーが正しくありません。"))
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("端末キーが正しくありません。")) from None
        device = kiosk_device_for_key(key)
        if device is None:
            raise exceptions.AuthenticationFailed(_("端末キーが正しくありません。"))
        return KioskPrincipal(device), device

    def authenticate_header(self, request) -> str:
        return KEYWORD
