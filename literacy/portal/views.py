"""The volunteer pages under /volunteer/: parse the request, call one service, render.

Every page reads the volunteer from the logged-in user and looks records up through them, so
another volunteer's offer, lesson or report is a 404, never a hint that it exists. Domain
refusals (an offer someone else took, a lesson already reported) become a friendly page or a
message, never a 500.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from literacy.accounts.access import volunteer_of
from literacy.core.errors import DomainError, OfferNotAvailable
from literacy.curriculum.models import Topic
from literacy.notifications import ical
from literacy.people.models import Volunteer
from literacy.people.services import (
    availability_exception_add,
    availability_exception_remove,
    availability_set,
    volunteer_apply,
    volunteer_phone_verification_start,
    volunteer_phone_verify,
    volunteer_rotate_calendar_token,
    volunteer_set_status,
    volunteer_update_profile,
)
from literacy.places.models import Municipality, Venue
from literacy.portal import selectors
from literacy.portal.forms import (
    CancelForm,
    ExceptionForm,
    PhoneCodeForm,
    ProfileForm,
    ReportForm,
    WindowForm,
    WindowFormSet,
)
from literacy.portal.offer_links import offer_from_link
from literacy.scheduling.models import Lesson, LessonReport, Offer
from literacy.scheduling.services import lesson_cancel, offer_accept, offer_decline, report_create


def volunteer_required(view):
    """Logged in with a volunteer profile (request.volunteer); anyone else gets a 404."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs):
        request.volunteer = volunteer_of(request.user)
        return view(request, *args, **kwargs)

    return wrapper


def problem(request: HttpRequest, error: DomainError, *, title: str = "", status: int | None = None) -> HttpResponse:
    """A refusal the person can understand, with the error's HTTP status (409 for a lost race)."""
    return render(
        request, "portal/problem.html",
        {"title": title or _("お手続きできませんでした"), "message": str(error)},
        status=status or error.http_status,
    )


def calendar_feed_url(volunteer: Volunteer) -> str:
    # The feed itself is served by the notifications app at /calendar/<token>.ics.
    return f"{settings.SITE_URL.rstrip('/')}/calendar/{volunteer.calendar_token}.ics"


# --- Home, applying, profile ---------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    volunteer = Volunteer.objects.filter(user=request.user).select_related("municipality").first()
    if volunteer is None:
        return redirect("portal:apply")
    now = timezone.now()
    context = {
        "volunteer": volunteer,
        "offers": selectors.offers_pending_for(volunteer=volunteer, now=now, limit=5),
        "upcoming": selectors.lessons_upcoming(volunteer=volunteer, now=now, limit=3),
        "to_report": selectors.lessons_to_report(volunteer=volunteer, now=now, limit=5),
    }
    return render(request, "portal/home.html", context)


def _municipality_for_apply(request: HttpRequest) -> Municipality | None:
    """The only municipality, or the one picked with ?m=<jis_code> when there are several."""
    municipalities = list(Municipality.objects.order_by("jis_code")[:50])
    if len(municipalities) == 1:
        return municipalities[0]
    chosen = request.GET.get("m") or request.POST.get("m")
    return next((m for m in municipalities if m.jis_code == chosen), None)


@login_required
def apply(request: HttpRequest) -> HttpResponse:
    if Volunteer.objects.filter(user=request.user).exists():
        return redirect("portal:profile")
    municipality = _municipality_for_apply(request)
    if municipality is None:
        municipalities = Municipality.objects.order_by("jis_code")[:50]
        return render(request, "portal/apply_choose.html", {"municipalities": municipalities})
    form = ProfileForm(request.POST or None, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        try:
            volunteer_apply(user=request.user, municipality=municipality, profile=form.profile())
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("お申し込みを受け付けました。担当者が確認して承認します。"))
            return redirect("portal:home")
    return render(request, "portal/apply.html", {"form": form, "municipality": municipality})


@volunteer_required
def profile(request: HttpRequest) -> HttpResponse:
    volunteer = request.volunteer
    form = ProfileForm(
        request.POST or None, municipality=volunteer.municipality,
        initial=None if request.method == "POST" else ProfileForm.initial_for(volunteer),
    )
    if request.method == "POST" and form.is_valid():
        try:
            volunteer_update_profile(volunteer=volunteer, profile=form.profile())
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("プロフィールを保存しました。"))
            return redirect("portal:profile")
    return render(request, "portal/profile.html",
                  {"form": form, "volunteer": volunteer, "code_form": PhoneCodeForm()})


@require_POST
@volunteer_required
def phone_send_code(request: HttpRequest) -> HttpResponse:
    try:
        volunteer_phone_verification_start(volunteer=request.volunteer)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("確認コードをショートメールでお送りしました。10分以内に入力してください。"))
    return redirect(reverse("portal:profile") + "#phone")


@require_POST
@volunteer_required
def phone_verify(request: HttpRequest) -> HttpResponse:
    form = PhoneCodeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("6桁の確認コードを入力してください。"))
        return redirect(reverse("portal:profile") + "#phone")
    try:
        volunteer_phone_verify(volunteer=request.volunteer, code=form.cleaned_data["code"])
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("電話番号を確認しました。"))
    return redirect(reverse("portal:profile") + "#phone")


STATUS_ACTIONS = {
    "pause": Volunteer.Status.PAUSED,
    "resume": Volunteer.Status.APPROVED,
    "retire": Volunteer.Status.RETIRED,
}


@require_POST
@volunteer_required
def status_change(request: HttpRequest) -> HttpResponse:
    """A volunteer pauses, resumes (only after an earlier approval) or retires themselves;
    approving is the coordinators' (admin or the city pages)."""
    status = STATUS_ACTIONS.get(request.POST.get("action", ""))
    if status is None:
        raise Http404()
    if status == Volunteer.Status.APPROVED and request.volunteer.status != Volunteer.Status.PAUSED:
        raise Http404()
    try:
        volunteer_set_status(volunteer=request.volunteer, status=status, changed_by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("活動の状態を変更しました。"))
    return redirect("portal:home")


# --- Availability -------------------------------------------------------------------------------


def _window_venues(volunteer: Volunteer):
    return Venue.objects.filter(municipality_id=volunteer.municipality_id, is_active=True)


@volunteer_required
def availability(request: HttpRequest) -> HttpResponse:
    volunteer = request.volunteer
    venues = list(_window_venues(volunteer))
    form_kwargs = {"venues": {str(venue.pk): venue for venue in venues},
                   "venue_choices": WindowForm.choices_for(venues)}
    if request.method == "POST":
        formset = WindowFormSet(request.POST, prefix="w", form_kwargs=form_kwargs)
        if formset.is_valid():
            try:
                availability_set(volunteer=volunteer, windows=formset.windows())
            except DomainError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("活動できる時間を保存しました。"))
                return redirect("portal:availability")
    else:
        initial = [
            {"venue": w.venue_id, "weekday": w.weekday, "starts": w.starts, "ends": w.ends,
             "is_instant": w.is_instant}
            for w in volunteer.availabilities.order_by("weekday", "starts")
        ]
        formset = WindowFormSet(initial=initial, prefix="w", form_kwargs=form_kwargs)
    context = {
        "volunteer": volunteer,
        "formset": formset,
        "exception_form": ExceptionForm(),
        "exceptions": volunteer.exceptions.filter(ends_on__gte=timezone.localdate()).order_by("starts_on")[:50],
        "preview": selectors.availability_preview(volunteer=volunteer),
    }
    return render(request, "portal/availability.html", context)


@require_POST
@volunteer_required
def exception_add(request: HttpRequest) -> HttpResponse:
    form = ExceptionForm(request.POST)
    if form.is_valid():
        availability_exception_add(volunteer=request.volunteer, **form.cleaned_data)
        messages.success(request, _("お休みの日を登録しました。"))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(reverse("portal:availability") + "#exceptions")


@require_POST
@volunteer_required
def exception_remove(request: HttpRequest, exception_id: int) -> HttpResponse:
    try:
        availability_exception_remove(volunteer=request.volunteer, exception_id=exception_id)
    except DomainError as exc:
        raise Http404() from exc
    messages.success(request, _("お休みの日を取り消しました。"))
    return redirect(reverse("portal:availability") + "#exceptions")


# --- Offers -------------------------------------------------------------------------------------


@volunteer_required
def offers(request: HttpRequest) -> HttpResponse:
    volunteer = request.volunteer
    return render(request, "portal/offers.html", {
        "volunteer": volunteer, "offers": selectors.offers_pending_for(volunteer=volunteer),
    })


def _answer_offer(request: HttpRequest, offer: Offer, answer: str) -> HttpResponse:
    """Accept or decline for the offer's volunteer; the same for the inbox and the signed link."""
    try:
        if answer == "accept":
            lesson = offer_accept(offer=offer, volunteer=offer.volunteer)
        else:
            offer_decline(offer=offer, volunteer=offer.volunteer)
            lesson = None
    except OfferNotAvailable as error:
        if error.code == "offer_expired":
            return problem(request, error, title=_("回答の期限が過ぎました"), status=409)
        return render(request, "portal/offer_taken.html", {"message": str(error)}, status=409)
    except DomainError as error:
        return problem(request, error)
    return render(request, "portal/offer_answered.html", {
        "accepted": lesson is not None, "lesson": lesson,
        "logged_in": request.user.is_authenticated and request.user.pk == offer.volunteer.user_id,
    })


@require_POST
@volunteer_required
def offer_answer(request: HttpRequest, offer_id: int, answer: str) -> HttpResponse:
    if answer not in ("accept", "decline"):
        raise Http404()
    offer = get_object_or_404(Offer.objects.select_related("volunteer"), pk=offer_id, volunteer=request.volunteer)
    return _answer_offer(request, offer, answer)


def offer_link(request: HttpRequest, token: str) -> HttpResponse:
    """The page an offer's SMS/email opens, without logging in. It only acts while the offer is
    pending; afterwards it says what happened instead."""
    try:
        offer = offer_from_link(token)
    except DomainError as error:
        return problem(request, error, title=_("このリンクは使えません"))
    if request.method == "POST" and offer.state == Offer.State.PENDING:
        answer = request.POST.get("answer")
        if answer not in ("accept", "decline"):
            raise Http404()
        return _answer_offer(request, offer, answer)
    expired = offer.state == Offer.State.EXPIRED or (
        offer.state == Offer.State.PENDING and offer.expires_at <= timezone.now()
    )
    return render(request, "portal/offer_link.html", {
        "offer": offer, "card": selectors.offer_card(offer), "token": token, "expired": expired,
        "pending": offer.state == Offer.State.PENDING and not expired,
    }, status=200 if offer.state == Offer.State.PENDING and not expired else 410)


# --- Lessons ------------------------------------------------------------------------------------


def _own_lesson(request: HttpRequest, lesson_id: int) -> Lesson:
    return get_object_or_404(
        Lesson.objects.select_related("venue", "topic", "municipality", "volunteer__user"), pk=lesson_id,
        volunteer=request.volunteer,
    )


@volunteer_required
def lessons(request: HttpRequest) -> HttpResponse:
    volunteer = request.volunteer
    now = timezone.now()
    past = Paginator(selectors.lessons_past(volunteer=volunteer, now=now), 20).get_page(request.GET.get("page"))
    return render(request, "portal/lessons.html", {
        "volunteer": volunteer, "upcoming": selectors.lessons_upcoming(volunteer=volunteer, now=now),
        "past": past, "feed_url": calendar_feed_url(volunteer), "now": now,
    })


@volunteer_required
def lesson_detail(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson = _own_lesson(request, lesson_id)
    now = timezone.now()
    report = (
        LessonReport.objects.filter(lesson=lesson).prefetch_related("topics_covered").first()
        if lesson.state == Lesson.State.COMPLETED else None
    )
    return render(request, "portal/lesson_detail.html", {
        "lesson": lesson, "cards": selectors.lesson_learners(lesson=lesson, now=now), "report": report,
        "can_cancel": lesson.state == Lesson.State.SCHEDULED and lesson.starts_at > now,
        "can_report": lesson.state == Lesson.State.SCHEDULED and lesson.starts_at <= now,
        "cancel_form": CancelForm(), "phone_hours": int(selectors.PHONE_VISIBLE_BEFORE.total_seconds() // 3600),
    })


@volunteer_required
def lesson_download(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson = _own_lesson(request, lesson_id)
    # The same file as every other calendar entry of this lesson (one builder: notifications.ical),
    # saved rather than shown.
    return ical.calendar_response(ical.lesson_download(lesson=lesson), filename=ical.lesson_filename(lesson),
                                  attachment=True)


@require_POST
@volunteer_required
def lesson_cancel_view(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson = _own_lesson(request, lesson_id)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("中止の理由を書いてください。"))
        return redirect("portal:lesson", lesson_id=lesson.pk)
    if lesson.starts_at <= timezone.now():
        messages.error(request, _("始まったレッスンは中止できません。活動報告で欠席などをお知らせください。"))
        return redirect("portal:lesson", lesson_id=lesson.pk)
    try:
        lesson_cancel(lesson=lesson, reason=form.cleaned_data["reason"], rematch=True)
    except DomainError as error:
        return problem(request, error)
    messages.success(request, _("レッスンを中止しました。受講者には別のボランティアをお探しします。"))
    return redirect("portal:lessons")


@require_POST
@volunteer_required
def calendar_rotate(request: HttpRequest) -> HttpResponse:
    volunteer_rotate_calendar_token(volunteer=request.volunteer)
    messages.success(request, _("カレンダーの新しいリンクを作りました。古いリンクは使えなくなりました。"))
    return redirect(reverse("portal:lessons") + "#calendar")


@volunteer_required
def lesson_report(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson = _own_lesson(request, lesson_id)
    if lesson.state == Lesson.State.COMPLETED:
        return redirect("portal:lesson", lesson_id=lesson.pk)
    now = timezone.now()
    if lesson.state != Lesson.State.SCHEDULED or lesson.starts_at > now:
        return problem(request, DomainError(_("このレッスンはまだ報告できません。")), status=409)
    cards = [card for card in selectors.lesson_learners(lesson=lesson, now=now)
             if card.booking.state == "booked"]
    form = ReportForm(
        request.POST or None, cards=cards, skills=selectors.report_skills(lesson=lesson),
        topics=Topic.objects.filter(municipality_id=lesson.municipality_id, is_active=True),
        initial={"topics_covered": [lesson.topic_id],
                 "duration_minutes": int((lesson.ends_at - lesson.starts_at).total_seconds() // 60)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            report_create(lesson=lesson, volunteer=request.volunteer, **form.report_arguments())
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("活動報告を受け付けました。ありがとうございました。"))
            return redirect("portal:lesson", lesson_id=lesson.pk)
    return render(request, "portal/report.html", {"lesson": lesson, "form": form})


# --- Hours and impact ---------------------------------------------------------------------------


@volunteer_required
def impact(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/impact.html", {
        "volunteer": request.volunteer, "impact": selectors.volunteer_impact(volunteer=request.volunteer),
    })
