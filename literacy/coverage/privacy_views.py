"""A learner's requests under the personal-information law, from their page under /city/learners/:
download everything held about them (JSON), and erase it on request (a confirmation page first).
The services in literacy.people.privacy write both to the audit log."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from literacy.accounts.access import coordinator_required
from literacy.core.client_address import client_ip
from literacy.core.errors import DomainError
from literacy.coverage.forms import EraseRequestForm
from literacy.coverage.models import AuditEvent
from literacy.coverage.services import audit_record
from literacy.people.models import Learner
from literacy.people.privacy import erasure_blockers, learner_erase, learner_export


def _learner(request: HttpRequest, pk: int) -> Learner:
    return get_object_or_404(
        Learner.objects.select_related("municipality", "district", "consent_taken_by"),
        pk=pk, municipality__in=request.municipalities,
    )


@never_cache
@require_GET
@coordinator_required
def learner_export_json(request: HttpRequest, pk: int) -> HttpResponse:
    learner = _learner(request, pk)
    data = learner_export(learner=learner, by=request.user, ip=client_ip(request))
    today = timezone.localdate(timezone=learner.municipality.zone)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="oshieai-{learner.municipality.jis_code}-learner-{learner.pk}-{today:%Y%m%d}.json"'
    )
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@coordinator_required
def learner_erase_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET explains what is erased and what is kept; the POST (reason + tick) erases."""
    learner = _learner(request, pk)
    if learner.anonymised_at is not None:
        # A second request (a double click, the back button) changes nothing.
        messages.info(request, _("この方の個人情報はすでに消去されています。"))
        return redirect("coverage:learner", pk=learner.pk)
    form = EraseRequestForm(request.POST if request.method == "POST" else None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            learner_erase(learner=learner, by=request.user, reason=form.cleaned_data["reason"],
                          ip=client_ip(request))
        except DomainError as error:
            refusal = error
        else:
            messages.success(request, _("個人情報を消去しました。予約と受講の記録は、お名前などを消した形で統計のために残っています。"))
            return redirect("coverage:learner", pk=learner.pk)
    # The page names the person: the look is recorded like the learner page's.
    audit_record(actor=request.user, municipality=learner.municipality, action=AuditEvent.Action.VIEW,
                 object_type="learner", object_id=learner.pk, detail="erase_form", ip=client_ip(request))
    return render(request, "coverage/learner_erase.html", {
        "learner": learner, "form": form, "refusal": refusal, "blockers": erasure_blockers(learner=learner),
    }, status=refusal.http_status if refusal else 200)
