"""Phone desk pages: a coordinator on the phone finds or registers the caller, sees their history,
books, moves or cancels, and leaves a note. Everything is scoped to the coordinator's municipalities."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from literacy.accounts.access import coordinator_required
from literacy.core.errors import DomainError
from literacy.curriculum.models import Topic
from literacy.people.models import Learner
from literacy.phonedesk.forms import (
    BookingForm,
    CancelForm,
    LearnerCreateForm,
    MoveForm,
    NoteForm,
    SearchForm,
    TimesForm,
)
from literacy.phonedesk.selectors import desk_times, learner_history, learners_search
from literacy.phonedesk.services import learner_add_note, phone_desk_booking_create, phone_desk_learner_create
from literacy.places.models import Venue
from literacy.scheduling.models import Booking
from literacy.scheduling.services import booking_cancel, booking_move
from literacy.telephony.voice_selectors import booking_place_and_time


class BookingRow(NamedTuple):
    booking: Booking
    starts_at: dt.datetime
    venue: Venue
    topic: Topic


def _learner_of(request: HttpRequest, pk: int) -> Learner:
    """A learner of the coordinator's municipalities, or 404: another city's learners do not exist here."""
    return get_object_or_404(
        Learner.objects.select_related("municipality", "district", "consent_taken_by"),
        pk=pk, municipality__in=request.municipalities, anonymised_at__isnull=True,
    )


def _booking_of(request: HttpRequest, pk: int) -> Booking:
    return get_object_or_404(
        Booking.objects.select_related("learner", "lesson__venue", "lesson__topic", "help_request__venue",
                                       "help_request__topic"),
        pk=pk, municipality__in=request.municipalities,
    )


def _learner_url(learner: Learner) -> str:
    return reverse("phonedesk:learner", args=[learner.pk])


@require_GET
@coordinator_required
def desk(request: HttpRequest) -> HttpResponse:
    """Search box first (the caller is waiting), results, and the form to register someone new."""
    search = SearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    results = list(learners_search(municipality=request.municipality, query=query)) if query else []
    create = LearnerCreateForm(municipality=request.municipality, initial={"phone": query if query[:1].isdigit() else ""})
    return render(request, "phonedesk/desk.html",
                  {"search": search, "query": query, "results": results, "create_form": create})


@require_POST
@coordinator_required
def learner_create(request: HttpRequest) -> HttpResponse:
    form = LearnerCreateForm(request.POST, municipality=request.municipality)
    if form.is_valid():
        data = form.cleaned_data
        try:
            learner, created = phone_desk_learner_create(
                municipality=request.municipality, phone=data["phone"], name=data["name"],
                name_kana=data["name_kana"], reminder_channel=data["reminder_channel"] or None,
                district=data["district"], consent_given=data["consent"], taken_by=request.user,
                proxy=form.proxy,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            if created:
                messages.success(request, _("%(name)s様を登録しました。") % {"name": learner.name})
            else:
                messages.info(request, _("%(name)s様はすでに登録されています。") % {"name": learner.name})
            return redirect(_learner_url(learner))
    return render(request, "phonedesk/desk.html",
                  {"search": SearchForm(), "query": "", "results": [], "create_form": form}, status=400)


@require_GET
@coordinator_required
def learner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One dense page: who they are, their history, and the booking form with free times."""
    learner = _learner_of(request, pk)
    # Bound only once a topic was asked for: ?m= alone must not show "this field is required".
    return _learner_page(request, learner, times_query=request.GET if "topic" in request.GET else None)


def _learner_page(request: HttpRequest, learner: Learner, *, times_query=None, booking_form=None,
                  status: int = 200) -> HttpResponse:
    """The learner's page; after a refused booking, with what was typed and the times again."""
    municipality = learner.municipality
    times_form = TimesForm(times_query, municipality=municipality, initial={"district": learner.district_id})
    times = []
    if times_form.is_bound and times_form.is_valid():
        data = times_form.cleaned_data
        times = desk_times(
            municipality=municipality, topic=data["topic"], district=data["district"], venue=data["venue"],
            start_date=data["start"] or timezone.localdate(timezone.now(), municipality.zone),
        )
    booking_form = booking_form or BookingForm(municipality=municipality, initial={
        "topic": times_form.cleaned_data["topic"].pk if times else None,
        "proxy_name": learner.proxy_name, "proxy_relation": learner.proxy_relation,
        "proxy_phone": learner.proxy_phone, "proxy_email": learner.proxy_email,
        "proxy_gets_reminders": learner.proxy_gets_reminders,
    })
    history = learner_history(learner=learner)
    return render(request, "phonedesk/learner.html", {
        "learner": learner, "history": history, "times_form": times_form,
        "times": times, "booking_form": booking_form, "note_form": NoteForm(),
        "booking_rows": [BookingRow(b, *booking_place_and_time(b)) for b in history.bookings],
    }, status=status)


@require_POST
@coordinator_required
def learner_book(request: HttpRequest, pk: int) -> HttpResponse:
    learner = _learner_of(request, pk)
    form = BookingForm(request.POST, municipality=learner.municipality)
    # A refusal shows the page again with what was typed and the same search's times (fresh):
    # the caller is waiting on the line, and nothing should need typing twice.
    search = {"topic": request.POST.get("topic", ""), "district": learner.district_id or ""}
    if not form.is_valid():
        return _learner_page(request, learner, times_query=search, booking_form=form, status=400)
    venue, starts_at, lesson_id = form.cleaned_data["slot"]
    search["district"] = venue.district_id
    try:
        result = phone_desk_booking_create(
            learner=learner, topic=form.cleaned_data["topic"], venue=venue, starts_at=starts_at,
            lesson_id=lesson_id, entered_by=request.user, idempotency_key=form.cleaned_data["idempotency_key"],
            proxy=form.proxy, learner_agreed=form.cleaned_data["learner_agreed"],
        )
    except DomainError as exc:
        form.add_error(None, str(exc))
        return _learner_page(request, learner, times_query=search, booking_form=form, status=exc.http_status)
    booking = result.booking
    if not result.created and not result.is_for(topic=form.cleaned_data["topic"], venue=venue, starts_at=starts_at):
        # The form of an earlier booking, sent again (the browser's Back): its key is spent.
        messages.error(request, _("この予約画面はすでに使われました。画面を読み込み直して、もう一度お選びください。"))
        return redirect(_learner_url(learner))
    if result.confirmed:
        messages.success(request, _("予約しました。予約番号は %(code)s です。") % {"code": booking.code})
    else:
        deadline = timezone.localtime(result.confirm_by, learner.municipality.zone) if result.confirm_by else None
        messages.success(request, _("仮予約しました（予約番号 %(code)s）。ボランティアが承諾すると確定し、"
                                    "%(when)sまでにご本人へ連絡します。")
                         % {"code": booking.code, "when": f"{deadline:%m/%d %H:%M}" if deadline else "—"})
    return redirect(_learner_url(learner))


@require_POST
@coordinator_required
def learner_note(request: HttpRequest, pk: int) -> HttpResponse:
    learner = _learner_of(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        learner_add_note(learner=learner, text=form.cleaned_data["text"], by=request.user)
        messages.success(request, _("メモを残しました。"))
    else:
        messages.error(request, _("メモが空です。"))
    return redirect(_learner_url(learner))


@require_POST
@coordinator_required
def booking_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _booking_of(request, pk)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        booking_cancel(booking=booking, reason=reason or gettext_lazy("電話窓口でキャンセル"), by_learner=True,
                       cancelled_by=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("予約 %(code)s をキャンセルしました。") % {"code": booking.code})
    return redirect(_learner_url(booking.learner))


@require_http_methods(["GET", "POST"])
@coordinator_required
def booking_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the free times for the same topic in the same area; POST: move to the chosen one."""
    booking = _booking_of(request, pk)
    municipality = booking.municipality
    starts_at, venue, topic = booking_place_and_time(booking)
    if request.method == "POST":
        form = MoveForm(request.POST, municipality=municipality)
        if form.is_valid():
            new_venue, new_start, lesson_id = form.cleaned_data["slot"]
            try:
                moved = booking_move(booking=booking, starts_at=new_start, venue=new_venue, lesson_id=lesson_id,
                                     moved_by=request.user)
            except DomainError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("予約を変更しました。予約番号は %(code)s です。") % {"code": moved.code})
                return redirect(_learner_url(booking.learner))
        else:
            messages.error(request, _("新しい時間を選んでください。"))
    today = timezone.localdate(timezone.now(), municipality.zone)
    times = desk_times(municipality=municipality, topic=topic, district=venue.district, start_date=today, days=14)
    return render(request, "phonedesk/move.html", {
        "booking": booking, "learner": booking.learner, "starts_at": starts_at, "venue": venue, "topic": topic,
        "times": [t for t in times if not (t.slot.starts_at == starts_at and t.venue.pk == venue.pk)],
    })
