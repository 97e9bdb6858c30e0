"""The coordinators' pages under /city/: the waiting queue first, then coverage, reports,
management and the audit log. Every page is scoped to the coordinator's municipalities and
needs two-factor authentication (coordinator_required)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from literacy.accounts.access import coordinator_required
from literacy.core.client_address import client_ip
from literacy.core.errors import DomainError
from literacy.coverage import selectors
from literacy.coverage.charts import chart_for
from literacy.coverage.csv_reports import table_csv
from literacy.coverage.forms import (
    AssignForm,
    CallForm,
    CloseForm,
    MonthForm,
    PeriodForm,
    TopicForm,
    VenueForm,
    VolunteerStatusForm,
)
from literacy.coverage.models import AuditEvent
from literacy.coverage.selectors import Period
from literacy.coverage.services import (
    RESENDABLE_STATES,
    audit_record,
    outbox_resend,
    topic_save,
    venue_save,
)
from literacy.coverage.tables import TABLE_SLUGS, Table, build_tables, monthly_summary_table
from literacy.curriculum.models import Topic
from literacy.followups.models import FollowUp
from literacy.followups.services import followup_assign_volunteer, followup_close, followup_log_call
from literacy.notifications.models import Message
from literacy.people.models import Learner, Volunteer
from literacy.people.services import volunteer_set_status
from literacy.places.models import Venue

PER_PAGE = 50


def _audit(request: HttpRequest, *, action: str, municipality, object_type: str, object_id="", detail=""):
    return audit_record(
        actor=request.user, municipality=municipality, action=action, object_type=object_type,
        object_id=object_id, detail=detail, ip=client_ip(request),
    )


def _csv_response(*, table: Table, filename: str) -> HttpResponse:
    response = HttpResponse(table_csv(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- the waiting queue ----------------------------------------------------------------------------


@coordinator_required
def queue(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    if kind not in FollowUp.Kind.values:
        kind = ""
    summary = selectors.queue_summary(municipality=request.municipality)
    return render(request, "coverage/queue.html", {
        "summary": summary,
        # Applicants without a case are waiting for approval too: count them with that kind.
        "kinds": [
            (value, label, summary.by_kind.get(value, 0)
             + (summary.applied_volunteers if value == FollowUp.Kind.VOLUNTEER_APPROVAL else 0))
            for value, label in FollowUp.Kind.choices
        ],
        "page": selectors.queue_open(municipality=request.municipality, kind=kind, page=request.GET.get("page", 1),
                                     per_page=PER_PAGE),
        "applied": selectors.volunteers_applied(municipality=request.municipality),
        "kind": kind,
        "now": timezone.now(),
    })


def _case(request: HttpRequest, pk: int) -> FollowUp:
    return get_object_or_404(
        FollowUp.objects.select_related(
            "municipality", "learner__district", "volunteer", "help_request__topic", "help_request__venue",
            "booking__lesson__topic", "booking__lesson__venue",
        ),
        pk=pk, municipality__in=request.municipalities,
    )


@coordinator_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    followup = _case(request, pk)
    if followup.learner_id:
        _audit(request, action=AuditEvent.Action.VIEW, municipality=followup.municipality,
               object_type="learner", object_id=followup.learner_id, detail=f"follow_up:{followup.pk}")
    is_open = followup.state == FollowUp.State.OPEN
    return render(request, "coverage/case.html", {
        "case": followup,
        "actions": followup.actions.select_related("actor"),
        "history": selectors.learner_history(learner=followup.learner) if followup.learner_id else [],
        "suggestions": selectors.assign_suggestions(followup=followup) if is_open else [],
        "call_form": CallForm(),
        "close_form": CloseForm(),
        "now": timezone.now(),
    })


def _after_action(request: HttpRequest, followup: FollowUp, call, *, success: str, back_to_queue: bool):
    try:
        call()
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("coverage:case", pk=followup.pk)
    messages.success(request, success)
    return redirect("coverage:queue") if back_to_queue else redirect("coverage:case", pk=followup.pk)


@require_POST
@coordinator_required
def case_call(request: HttpRequest, pk: int) -> HttpResponse:
    followup = _case(request, pk)
    form = CallForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("電話の結果を選んでください。"))
        return redirect("coverage:case", pk=followup.pk)
    return _after_action(
        request, followup,
        lambda: followup_log_call(followup=followup, outcome=form.cleaned_data["outcome"],
                                  note=form.cleaned_data["note"], by=request.user),
        success=_("電話の記録を残しました。"), back_to_queue=False,
    )


@require_POST
@coordinator_required
def case_close(request: HttpRequest, pk: int) -> HttpResponse:
    followup = _case(request, pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("__all__", [])) or _("対応結果を選んでください。"))
        return redirect("coverage:case", pk=followup.pk)
    return _after_action(
        request, followup,
        lambda: followup_close(followup=followup, outcome=form.outcome, closed_by=request.user,
                               withdraw_request=form.settles_request),
        success=_("対応済みにしました。"), back_to_queue=True,
    )


@require_POST
@coordinator_required
def case_assign(request: HttpRequest, pk: int) -> HttpResponse:
    followup = _case(request, pk)
    form = AssignForm(request.POST, municipality=followup.municipality)
    if not form.is_valid():
        messages.error(request, _("ボランティアを選んでください。"))
        return redirect("coverage:case", pk=followup.pk)
    return _after_action(
        request, followup,
        lambda: followup_assign_volunteer(followup=followup, volunteer=form.cleaned_data["volunteer"],
                                          by=request.user),
        success=_("ボランティアを割り当て、レッスンを確定しました。"), back_to_queue=True,
    )


@coordinator_required
def learner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    learner = get_object_or_404(
        Learner.objects.select_related("district", "municipality"), pk=pk, municipality__in=request.municipalities
    )
    _audit(request, action=AuditEvent.Action.VIEW, municipality=learner.municipality,
           object_type="learner", object_id=learner.pk)
    return render(request, "coverage/learner.html", {
        "learner": learner,
        "history": selectors.learner_history(learner=learner),
        "cases": learner.follow_ups.order_by("-opened_at")[:20],
    })


# --- coverage and reports -------------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[PeriodForm, Period | None]:
    form = PeriodForm(request.GET, municipality=request.municipality)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, Period(municipality=request.municipality, start=data["start"], end=data["end"],
                        district=data["district"])


@coordinator_required
def coverage(request: HttpRequest) -> HttpResponse:
    form, period = _period(request)
    tables = build_tables(period) if period else []
    for table in tables:
        table.chart = chart_for(table)
    query = request.GET.urlencode()
    return render(request, "coverage/coverage.html", {
        "form": form, "period": period, "tables": tables, "query": query,
    })


@coordinator_required
def coverage_csv(request: HttpRequest, slug: str) -> HttpResponse:
    if slug not in TABLE_SLUGS:
        raise Http404()
    form, period = _period(request)
    if period is None:
        return HttpResponseBadRequest(" ".join(str(e) for e in form.errors.values()))
    table = build_tables(period, only=slug)[0]
    where = f"district:{period.district.pk}" if period.district else "all"
    _audit(request, action=AuditEvent.Action.EXPORT, municipality=request.municipality,
           object_type="coverage_table", object_id=slug, detail=f"{period.start}..{period.end} {where}")
    return _csv_response(
        table=table,
        filename=f"oshieai-{request.municipality.jis_code}-{slug}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv",
    )


def _month(request: HttpRequest) -> dt.date:
    form = MonthForm(request.GET)
    if request.GET.get("month") and form.is_valid():
        return form.cleaned_data["month"]
    today = timezone.localdate(timezone=request.municipality.zone)
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)  # the last full month


@coordinator_required
def monthly_report(request: HttpRequest) -> HttpResponse:
    month = _month(request)
    return render(request, "coverage/monthly.html", {
        "month": month, "month_value": f"{month:%Y-%m}",
        "table": monthly_summary_table(municipality=request.municipality, month=month),
    })


@coordinator_required
def monthly_report_csv(request: HttpRequest) -> HttpResponse:
    month = _month(request)
    _audit(request, action=AuditEvent.Action.EXPORT, municipality=request.municipality,
           object_type="monthly_report", object_id=f"{month:%Y-%m}")
    return _csv_response(
        table=monthly_summary_table(municipality=request.municipality, month=month),
        filename=f"oshieai-{request.municipality.jis_code}-monthly-{month:%Y-%m}.csv",
    )


# --- management -----------------------------------------------------------------------------------


@coordinator_required
def volunteers(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    rows = (
        Volunteer.objects.filter(municipality=request.municipality)
        .prefetch_related("topics", "districts")
        .order_by("status", "name_kana", "id")
    )
    if status in Volunteer.Status.values:
        rows = rows.filter(status=status)
    return render(request, "coverage/volunteers.html", {
        "page": Paginator(rows, PER_PAGE).get_page(request.GET.get("page")),
        "status": status, "statuses": Volunteer.Status.choices,
    })


@require_POST
@coordinator_required
def volunteer_status(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = get_object_or_404(Volunteer, pk=pk, municipality__in=request.municipalities)
    form = VolunteerStatusForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("状態を選んでください。"))
    try:
        volunteer_set_status(volunteer=volunteer, status=form.cleaned_data["status"], changed_by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(name)s さんを「%(status)s」にしました。") % {
            "name": volunteer.name, "status": Volunteer.Status(form.cleaned_data["status"]).label})
    return redirect(request.POST.get("next") or reverse("coverage:volunteers"))


@coordinator_required
def outbox(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    rows = Message.objects.filter(municipality=request.municipality).order_by("-created_at", "-id")
    if state in Message.State.values:
        rows = rows.filter(state=state)
    # Recipients and bodies are personal data: the look is recorded.
    _audit(request, action=AuditEvent.Action.VIEW, municipality=request.municipality,
           object_type="outbox", detail=f"state:{state or 'all'}")
    return render(request, "coverage/outbox.html", {
        "page": Paginator(rows, PER_PAGE).get_page(request.GET.get("page")),
        "state": state, "states": Message.State.choices, "resendable": RESENDABLE_STATES,
    })


@require_POST
@coordinator_required
def outbox_message_resend(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(Message, pk=pk, municipality__in=request.municipalities)
    try:
        outbox_resend(message=message, by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("再送を予約しました。"))
    return redirect("coverage:outbox")


@coordinator_required
def places(request: HttpRequest) -> HttpResponse:
    m = request.municipality
    return render(request, "coverage/places.html", {
        "venues": m.venues.select_related("district").order_by("district__order", "name"),
        "topics": m.topics.order_by("order", "id"),
    })


def _place_form(request: HttpRequest, *, model, form_class, save, pk: int | None, title: str) -> HttpResponse:
    instance = get_object_or_404(model, pk=pk, municipality=request.municipality) if pk else None
    form = form_class(request.POST or None, instance=instance, municipality=request.municipality)
    if request.method == "POST" and form.is_valid():
        try:
            save(municipality=request.municipality, values=form.cleaned_data, by=request.user,
                 **({model._meta.model_name: instance} if instance else {}))
        except DomainError as error:
            messages.error(request, str(error))
        except ValidationError as error:
            # A rule only the full row can check (a name already used in this municipality).
            form.add_error(None, error)
        else:
            messages.success(request, _("保存しました。"))
            return redirect("coverage:places")
    return render(request, "coverage/place_form.html", {"form": form, "title": title, "instance": instance})


@coordinator_required
def venue_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return _place_form(request, model=Venue, form_class=VenueForm, save=venue_save, pk=pk,
                       title=_("会場を編集") if pk else _("会場を追加"))


@coordinator_required
def topic_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return _place_form(request, model=Topic, form_class=TopicForm, save=topic_save, pk=pk,
                       title=_("相談内容を編集") if pk else _("相談内容を追加"))


@coordinator_required
def audit_log(request: HttpRequest) -> HttpResponse:
    rows = AuditEvent.objects.filter(municipality=request.municipality).select_related("actor")
    return render(request, "coverage/audit.html", {"page": Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))})
