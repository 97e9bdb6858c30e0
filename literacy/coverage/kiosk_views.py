"""The coordinators' kiosk pages under /city/kiosks/: the list, registering a kiosk (its one-time
activation code is shown once) and revoking one (with a confirmation step)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from literacy.accounts.access import coordinator_required
from literacy.coverage import selectors
from literacy.coverage.forms import KioskRegisterForm
from literacy.kiosk.models import KioskDevice
from literacy.kiosk.services import kiosk_register, kiosk_revoke

PER_PAGE = 50
# The codes of kiosks just registered, by device id, until the page that shows them is opened:
# the code is shown once, after a redirect (so a reload never registers a second kiosk).
NEW_CODES_SESSION_KEY = "coverage_new_kiosk_codes"


def _kiosk(request: HttpRequest, pk: int) -> KioskDevice:
    return get_object_or_404(
        KioskDevice.objects.select_related("venue", "municipality", "created_by", "revoked_by"),
        pk=pk, municipality__in=request.municipalities,
    )


@coordinator_required
def kiosks(request: HttpRequest) -> HttpResponse:
    rows = selectors.kiosks_by_venue(municipality=request.municipality)
    return render(request, "coverage/kiosks.html", {
        "page": Paginator(rows, PER_PAGE).get_page(request.GET.get("page")),
    })


@require_http_methods(["GET", "POST"])
@coordinator_required
def kiosk_new(request: HttpRequest) -> HttpResponse:
    form = KioskRegisterForm(
        request.POST if request.method == "POST" else None, municipality=request.municipality,
        initial={"venue": request.GET.get("venue")},
    )
    if request.method == "POST" and form.is_valid():
        device, code = kiosk_register(venue=form.cleaned_data["venue"], name=form.cleaned_data["name"],
                                      created_by=request.user)
        request.session[NEW_CODES_SESSION_KEY] = {**request.session.get(NEW_CODES_SESSION_KEY, {}),
                                                  str(device.pk): code}
        return redirect("coverage:kiosk_registered", pk=device.pk)
    return render(request, "coverage/kiosk_form.html", {"form": form})


@never_cache
@coordinator_required
def kiosk_registered(request: HttpRequest, pk: int) -> HttpResponse:
    """The activation code, once: it leaves the session as it is shown (only its hash is stored)."""
    device = _kiosk(request, pk)
    codes = request.session.get(NEW_CODES_SESSION_KEY, {})
    code = codes.pop(str(device.pk), None)
    if code is not None:
        request.session[NEW_CODES_SESSION_KEY] = codes
    return render(request, "coverage/kiosk_registered.html", {
        "device": device,
        "code": f"{code[:4]}-{code[4:]}" if code else None,
        "expires_at": device.activation_expires_at,
        "activate_url": request.build_absolute_uri(reverse("kiosk:activate")),
        "kiosk_url": request.build_absolute_uri(reverse("kiosk:welcome")),
    })


@require_http_methods(["GET", "POST"])
@coordinator_required
def kiosk_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks "are you sure?"; only the POST from that page switches the kiosk off."""
    device = _kiosk(request, pk)
    if request.method == "GET":
        return render(request, "coverage/kiosk_revoke.html", {"device": device})
    if device.revoked_at is not None:
        messages.info(request, _("「%(name)s」はすでに停止しています。") % {"name": device.name})
    else:
        kiosk_revoke(device=device, revoked_by=request.user)
        messages.success(request, _("「%(name)s」を停止しました。この端末ではもう予約できません。") % {"name": device.name})
    return redirect("coverage:kiosks")
