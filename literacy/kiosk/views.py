"""Kiosk pages: activation, the booking wizard, check-or-cancel, the switches and the idle reset.

Every page is a plain form or link (it works with JavaScript off); the state lives in the
session, and each view only parses what was sent, calls one service or selector, and renders.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from literacy.core.errors import (
    DomainError,
    InvalidPhoneNumber,
    LearnerAlreadyBooked,
    LessonFull,
    NotFoundError,
    SlotTaken,
    SmsNotPossible,
    TooManyAttempts,
)
from literacy.core.phones import MOBILE, parse_phone
from literacy.curriculum.models import Topic
from literacy.kiosk import selectors, wizard
from literacy.kiosk.access import device_from_request, kiosk_device_required, remember_device
from literacy.kiosk.limits import KioskLimitReached
from literacy.kiosk.services import ActivationCodeInvalid, kiosk_activate, kiosk_request_callback
from literacy.kiosk.wizard import BookingWizard
from literacy.kiosk.wording import day_label, deadline_label, relative_day_label, time_label, when_label
from literacy.people.models import Learner
from literacy.places.models import Venue
from literacy.scheduling.models import Booking, HelpRequest
from literacy.scheduling.services import (
    BookingResult,
    LearnerDetails,
    booking_cancel,
    booking_create,
    booking_lookup,
)
from literacy.scheduling.slots import Slot, find_slot, nearest_free_times

TOPICS_PER_SCREEN = 8
PLACES_PER_SCREEN = 5
RELATIONS = (
    ("息子", "[息子|むすこ]"), ("娘", "[娘|むすめ]"), ("配偶者", "[配偶者|はいぐうしゃ]"), ("孫", "[孫|まご]"),
    ("その他の家族", "その[他|ほか]の[家族|かぞく]"), ("知人・支援者", "[知人|ちじん]・[支援者|しえんしゃ]"),
)
STEP_URLS = {
    "welcome": "kiosk:welcome", "topic": "kiosk:topic", "place": "kiosk:place", "day": "kiosk:day",
    "time": "kiosk:time", "phone": "kiosk:phone", "name": "kiosk:name", "proxy": "kiosk:proxy",
    "reminder": "kiosk:reminder", "confirm": "kiosk:confirm",
}


# --- rendering --------------------------------------------------------------------------------

def _prefs(request: HttpRequest) -> dict:
    return request.session.get(wizard.PREFS, {})


def _render(request: HttpRequest, template: str, context: dict | None = None, *, status: int = 200,
            idle: bool = True, back: str | None = None) -> HttpResponse:
    prefs = _prefs(request)
    device = getattr(request, "kiosk_device", None)
    base = {
        "device": device,
        "kiosk_large": prefs.get("large", False),
        "kiosk_furigana": prefs.get("furigana", False),
        "idle_seconds": settings.KIOSK_IDLE_SECONDS if idle else None,
        "idle_countdown": settings.KIOSK_IDLE_COUNTDOWN_SECONDS,
        "idle_total": settings.KIOSK_IDLE_SECONDS + settings.KIOSK_IDLE_COUNTDOWN_SECONDS,
        "back_url": back,
    }
    base.update(context or {})
    response = render(request, template, base, status=status)
    response["Cache-Control"] = "no-store"  # nothing of one person may come back from a cache
    return response


def _step_redirect(step: str | None) -> HttpResponse:
    return redirect(STEP_URLS[step or "confirm"])


def _guard(request: HttpRequest, step: str) -> BookingWizard | HttpResponse:
    """The wizard, or a redirect to the first unanswered step (or welcome, when not started)."""
    booking_wizard = BookingWizard(request.session)
    if not booking_wizard.started:
        return redirect("kiosk:welcome")
    if not booking_wizard.may_show(step):
        return _step_redirect(booking_wizard.missing_step())
    return booking_wizard


def _step_context(booking_wizard: BookingWizard, step: str) -> dict:
    number, total = booking_wizard.step_number(step)
    return {"step": step, "step_number": number, "step_total": total,
            "for_other": booking_wizard.for_someone_else}


def _back(booking_wizard: BookingWizard, step: str) -> str:
    return reverse(STEP_URLS[booking_wizard.previous_step(step)])


def _chosen_topic(request: HttpRequest, booking_wizard: BookingWizard) -> Topic | None:
    return Topic.objects.filter(municipality=request.kiosk_device.municipality, is_active=True,
                                pk=booking_wizard.get("topic_id")).first()


def _chosen_venue(request: HttpRequest, booking_wizard: BookingWizard) -> Venue | None:
    return Venue.objects.filter(municipality=request.kiosk_device.municipality, is_active=True,
                                pk=booking_wizard.get("venue_id")).select_related("district").first()


def _slot_choices(slots: list[Slot], zone) -> list[dict]:
    return [
        {"key": slot.key, "label": time_label(slot.starts_at, zone), "when": when_label(slot.starts_at, zone),
         "is_class": slot.lesson_id is not None, "seats_left": slot.seats_left}
        for slot in slots
    ]


def _use_japanese_unless_chosen(request: HttpRequest) -> None:
    """A kiosk speaks Japanese until someone presses English, whatever its browser is set to."""
    if not request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = settings.LANGUAGE_CODE


def kiosk_page(view):
    """Every kiosk page: an active device, Japanese by default, never cached."""
    wrapped = kiosk_device_required(view)

    @wraps(view)
    def page(request: HttpRequest, *args, **kwargs):
        _use_japanese_unless_chosen(request)
        return wrapped(request, *args, **kwargs)

    return never_cache(page)


# --- activation ---------------------------------------------------------------------------------

@never_cache
@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest) -> HttpResponse:
    """Enter the one-time code from the coordinator; the kiosk then keeps its key in a cookie."""
    _use_japanese_unless_chosen(request)
    error = None
    if request.method == "POST":
        try:
            _device, key = kiosk_activate(code=request.POST.get("code", ""))
        except ActivationCodeInvalid as exc:
            error = str(exc)
        else:
            request.session.flush()
            return remember_device(redirect("kiosk:welcome"), request=request, key=key)
    already = device_from_request(request)
    return _render(request, "kiosk/activate.html", {"error": error, "already": already},
                   status=400 if error else 200, idle=False)


# --- welcome, switches, reset -----------------------------------------------------------------

@kiosk_page
def welcome(request: HttpRequest) -> HttpResponse:
    # Whoever stands at the start is the next person: nothing of the last one's answers, booking
    # or look-up survives it, however they left (戻る rather than 終わる, say).
    for state in (wizard.BOOKING, wizard.CHECK, wizard.DONE):
        request.session.pop(state, None)
    # Then the screen has nothing to forget, unless a switch or the language was changed.
    changed = bool(_prefs(request)) or bool(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    return _render(request, "kiosk/welcome.html", idle=changed)


@kiosk_page
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    BookingWizard.start(request.session, for_someone_else=request.POST.get("for") == "other")
    return redirect("kiosk:topic")


@kiosk_page
@require_POST
def prefs(request: HttpRequest) -> HttpResponse:
    """The text-size and furigana switches: each press turns one on or off."""
    current = dict(_prefs(request))
    switch = request.POST.get("switch")
    if switch in ("large", "furigana"):
        current[switch] = not current.get(switch, False)
        request.session[wizard.PREFS] = current
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("kiosk:welcome")
    return redirect(target)


@never_cache
@require_http_methods(["GET", "POST"])
def reset(request: HttpRequest) -> HttpResponse:
    """Back to the start for the next person: the session (answers, switches) and the language go.
    Reached by the idle timer, the no-JavaScript refresh, and the 'start over' button."""
    request.session.flush()
    response = redirect("kiosk:welcome")
    response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
    return response


# --- the booking wizard -----------------------------------------------------------------------

def booking_step(step: str):
    """A step of the booking wizard: a kiosk page that shows (GET) and answers (POST), reached
    only in order (otherwise a redirect to the first unanswered step, or to welcome when the
    wizard was not started). The view is called with the wizard after the request."""

    def decorate(view):
        @wraps(view)
        def page(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            booking_wizard = _guard(request, step)
            if isinstance(booking_wizard, HttpResponse):
                return booking_wizard
            return view(request, booking_wizard, *args, **kwargs)

        return kiosk_page(require_http_methods(["GET", "POST"])(page))

    return decorate


def _render_step(request: HttpRequest, booking_wizard: BookingWizard, step: str, context: dict, *,
                 status: int = 200) -> HttpResponse:
    """A step's own template (kiosk/<step>.html) with its number and the way back."""
    return _render(request, f"kiosk/{step}.html", {**context, **_step_context(booking_wizard, step)},
                   status=status, back=_back(booking_wizard, step))


@booking_step("topic")
def topic(request: HttpRequest, booking_wizard: BookingWizard) -> HttpResponse:
    topics = selectors.kiosk_topics(device=request.kiosk_device)
    if request.method == "POST":
        chosen = next((t for t in topics if str(t.pk) == request.POST.get("topic")), None)
        if chosen is not None:
            booking_wizard.set(topic_id=chosen.pk)
            return redirect("kiosk:place")
    page = Paginator(topics, TOPICS_PER_SCREEN).get_page(request.GET.get("page"))
    return _render_step(request, booking_wizard, "topic", {"page": page})


@booking_step("place")
def place(request: HttpRequest, booking_wizard: BookingWizard) -> HttpResponse:
    chosen_topic = _chosen_topic(request, booking_wizard)
    if chosen_topic is None:
        return redirect("kiosk:topic")
    choices = selectors.kiosk_places(device=request.kiosk_device, topic=chosen_topic)
    if request.method == "POST":
        chosen = next((c.venue for c in choices if str(c.venue.pk) == request.POST.get("venue")), None)
        if chosen is not None:
            booking_wizard.set(venue_id=chosen.pk)
            return redirect("kiosk:day")
    zone = request.kiosk_device.municipality.zone
    page = Paginator(choices, PLACES_PER_SCREEN).get_page(request.GET.get("page"))
    rows = [
        {"choice": c, "first_free": when_label(c.first_free, zone) if c.first_free else None}
        for c in page.object_list
    ]
    return _render_step(request, booking_wizard, "place", {"page": page, "rows": rows, "topic": chosen_topic})


@booking_step("day")
def day(request: HttpRequest, booking_wizard: BookingWizard) -> HttpResponse:
    chosen_topic, chosen_venue = _chosen_topic(request, booking_wizard), _chosen_venue(request, booking_wizard)
    if chosen_topic is None or chosen_venue is None:
        return redirect("kiosk:place")
    free = selectors.kiosk_free_days(device=request.kiosk_device, topic=chosen_topic, venue=chosen_venue)
    error = None
    if request.method == "POST":
        if request.POST.get("callback"):
            # Nothing suits: we take their details and a person calls them back.
            booking_wizard.set(callback=True)
            return _step_redirect(booking_wizard.missing_step())
        chosen_day = next((d for d in free.days if d.isoformat() == request.POST.get("day")), None)
        if chosen_day is not None:
            booking_wizard.set(day=chosen_day.isoformat(), callback=False)
            return redirect("kiosk:time")
        error = _("申し訳ありません。その日の空きがなくなりました。ほかの日をお選びください。")
    today = timezone.localdate(timezone=request.kiosk_device.municipality.zone)
    days = [{"value": d.isoformat(), "label": day_label(d), "relative": relative_day_label(d, today)}
            for d in free.days]
    return _render_step(request, booking_wizard, "day", {
        "days": days, "none_soon": free.none_soon, "topic": chosen_topic, "venue": chosen_venue, "error": error,
    }, status=400 if error else 200)


def _parse_slot_key(value: str) -> tuple[int, dt.datetime, int | None] | None:
    try:
        venue_id, timestamp, lesson_id = (int(part) for part in value.split(":"))
    except ValueError:
        return None
    return venue_id, dt.datetime.fromtimestamp(timestamp, tz=dt.UTC), (lesson_id or None)


@booking_step("time")
def time(request: HttpRequest, booking_wizard: BookingWizard) -> HttpResponse:
    device = request.kiosk_device
    zone = device.municipality.zone
    chosen_topic, chosen_venue = _chosen_topic(request, booking_wizard), _chosen_venue(request, booking_wizard)
    if chosen_topic is None or chosen_venue is None:
        return redirect("kiosk:place")
    error = None
    slots = None
    if request.method == "POST":
        parsed = _parse_slot_key(request.POST.get("slot", ""))
        slot = None
        if parsed and parsed[0] == chosen_venue.pk:
            slot = find_slot(municipality=device.municipality, topic=chosen_topic, venue=chosen_venue,
                             starts_at=parsed[1], lesson_id=parsed[2])
        if slot is not None:
            booking_wizard.set(day=timezone.localtime(slot.starts_at, zone).date().isoformat())
            booking_wizard.set(starts_ts=int(slot.starts_at.timestamp()), lesson_id=slot.lesson_id)
            return _step_redirect(booking_wizard.missing_step())
        error = _("申し訳ありません。この時間はたった今ほかの方が予約されました。近い時間をご案内します。")
        if parsed:
            slots = nearest_free_times(municipality=device.municipality, topic=chosen_topic, venue=chosen_venue,
                                       around=parsed[1], count=4)
    if slots is None:
        slots = selectors.kiosk_times_on(device=device, topic=chosen_topic, venue=chosen_venue,
                                         day=booking_wizard.day)
    return _render_step(request, booking_wizard, "time", {
        "times": _slot_choices(slots, zone), "day_label": day_label(booking_wizard.day), "error": error,
        "lesson_minutes": device.municipality.lesson_minutes,
        "alternatives": error is not None, "venue": chosen_venue,
    }, status=409 if error else 200)


@booking_step("phone")
def phone(request: HttpRequest, booking_wizard: BookingWizard) -> HttpResponse:
    error = None
    typed = booking_wizard.get("phone_typed", "")
    if request.method == "POST":
        typed = request.POST.get("phone", "").strip()
        try:
            parsed = parse_phone(typed)
        except InvalidPhoneNumber as exc:
            error = str(exc)
        else:
            booking_wizard.set(phone=parsed.e164, phone_kind=parsed.kind, phone_typed=typed)
            return _step_redirect(booking_wizard.missing_step())
    return _render_step(request, booking_wizard, "phone", {"typed": typed, "error": error},
                        status=400 if error else 200)


@booking_step("name")
def name(request: HttpRequest, booking_wizard: BookingWizard) -> HttpResponse:
    error = None
    values = {"name": booking_wizard.get("name", ""), "name_kana": booking_wizard.get("name_kana", "")}
    if request.method == "POST":
        values = {field: request.POST.get(field, "").strip()[:100] for field in ("name", "name_kana")}
        if values["name"]:
            booking_wizard.set(**values)
            return _step_redirect(booking_wizard.missing_step())
        error = _("お名前を入れてください。")
    return _render_step(request, booking_wizard, "name", {"values": values, "error": error},
                        status=400 if error else 200)


@booking_step("proxy")
def proxy(request: HttpRequest, booking_wizard: BookingWizard) -> HttpResponse:
    """The family member booking for someone else: their own name, relation and phone, and that
    the person to be taught agreed."""
    if not booking_wizard.for_someone_else:
        return _step_redirect(booking_wizard.missing_step())
    errors: list[str] = []
    saved = booking_wizard.get("proxy") or {}
    values = {"name": saved.get("name", ""), "relation": saved.get("relation", ""),
              "phone": saved.get("phone_typed", ""), "agreed": bool(saved)}
    if request.method == "POST":
        values = {"name": request.POST.get("proxy_name", "").strip()[:100],
                  "relation": request.POST.get("relation", ""),
                  "phone": request.POST.get("proxy_phone", "").strip(),
                  "agreed": request.POST.get("agreed") == "yes"}
        if not values["name"]:
            errors.append(_("あなたのお名前を入れてください。"))
        if values["relation"] not in {value for value, _label in RELATIONS}:
            errors.append(_("ご本人とのご関係を選んでください。"))
        parsed = None
        try:
            parsed = parse_phone(values["phone"])
        except InvalidPhoneNumber:
            errors.append(_("あなたの電話番号が正しくありません。もう一度お確かめください。"))
        if not values["agreed"]:
            errors.append(_("ご本人が予約に同意していることを確かめて、チェックを入れてください。"))
        if not errors:
            booking_wizard.set(proxy={"name": values["name"], "relation": values["relation"],
                                      "phone": parsed.e164, "phone_typed": values["phone"]})
            return _step_redirect(booking_wizard.missing_step())
    return _render_step(request, booking_wizard, "proxy", {
        "values": values, "errors": errors, "relations": RELATIONS,
    }, status=400 if errors else 200)


def _reminder_choices(phone_kind: str) -> list[tuple[str, str]]:
    choices = [(Learner.ReminderChannel.VOICE, "[電話|でんわ]でお[知|し]らせ")]
    if phone_kind == MOBILE:
        # SMS reaches mobiles only; a landline is never offered it.
        choices.insert(0, (Learner.ReminderChannel.SMS, "ショートメールでお[知|し]らせ"))
    choices.append((Learner.ReminderChannel.NONE, "お[知|し]らせはいらない"))
    return choices


@booking_step("reminder")
def reminder(request: HttpRequest, booking_wizard: BookingWizard) -> HttpResponse:
    choices = _reminder_choices(booking_wizard.get("phone_kind"))
    error = None
    if request.method == "POST":
        chosen = request.POST.get("reminder")
        if chosen == Learner.ReminderChannel.SMS and booking_wizard.get("phone_kind") != MOBILE:
            error = str(SmsNotPossible())
        elif chosen in {value for value, _label in choices}:
            booking_wizard.set(reminder=chosen)
            return redirect("kiosk:confirm")
    return _render_step(request, booking_wizard, "reminder", {"choices": choices, "error": error},
                        status=400 if error else 200)


def _readback(request: HttpRequest, booking_wizard: BookingWizard) -> dict:
    zone = request.kiosk_device.municipality.zone
    proxy_details = booking_wizard.get("proxy")
    return {
        "topic": _chosen_topic(request, booking_wizard),
        "venue": _chosen_venue(request, booking_wizard),
        "when": when_label(booking_wizard.starts_at, zone) if booking_wizard.starts_at else None,
        "is_class": bool(booking_wizard.get("lesson_id")),
        "callback": booking_wizard.callback,
        "phone": parse_phone(booking_wizard.get("phone")).national,
        "name": booking_wizard.get("name"),
        "name_kana": booking_wizard.get("name_kana"),
        "reminder": booking_wizard.get("reminder"),
        "proxy": proxy_details,
        "proxy_phone": parse_phone(proxy_details["phone"]).national if proxy_details else "",
    }


@kiosk_page
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest) -> HttpResponse:
    """Everything read back in plain words; pressing 'book' makes the booking (or the request)."""
    booking_wizard = BookingWizard(request.session)
    if request.method == "POST" and not booking_wizard.started and request.session.get(wizard.DONE):
        return redirect("kiosk:done")  # a second tap after the first one finished
    booking_wizard = _guard(request, "confirm")
    if isinstance(booking_wizard, HttpResponse):
        return booking_wizard
    device = request.kiosk_device
    readback = _readback(request, booking_wizard)
    if readback["topic"] is None or readback["venue"] is None:
        return redirect("kiosk:topic")
    if request.method == "POST":
        proxy_details = booking_wizard.get("proxy")
        details = LearnerDetails(
            phone=booking_wizard.get("phone"), name=booking_wizard.get("name"),
            name_kana=booking_wizard.get("name_kana", ""), reminder_channel=booking_wizard.get("reminder"),
            proxy={k: proxy_details[k] for k in ("name", "relation", "phone")} if proxy_details else None,
        )
        try:
            if booking_wizard.callback:
                help_request = kiosk_request_callback(
                    device=device, topic=readback["topic"], venue=readback["venue"], learner_details=details,
                    booked_by_proxy=booking_wizard.for_someone_else,
                )
                booking_wizard.finish(kind="request", pk=help_request.pk)
            else:
                result = booking_create(
                    municipality=device.municipality, topic=readback["topic"], venue=readback["venue"],
                    starts_at=booking_wizard.starts_at, lesson_id=booking_wizard.get("lesson_id"),
                    channel="kiosk", learner_details=details, idempotency_key=booking_wizard.idempotency_key,
                    booked_by_proxy=booking_wizard.for_someone_else, kiosk_device=device,
                )
                booking_wizard.finish(kind="booking", pk=result.booking.pk)
        except KioskLimitReached as exc:
            return _ask_staff(request, str(exc))
        except (SlotTaken, LessonFull) as exc:
            return _taken(request, booking_wizard, readback, exc)
        except LearnerAlreadyBooked as exc:
            return _render(request, "kiosk/already_booked.html", {"message": str(exc), **readback},
                           status=409, back=reverse("kiosk:time"))
        except InvalidPhoneNumber as exc:
            messages.error(request, str(exc))
            return redirect("kiosk:phone")
        except SmsNotPossible as exc:
            messages.error(request, str(exc))
            return redirect("kiosk:reminder")
        except DomainError as exc:
            return _render(request, "kiosk/problem.html", {"message": str(exc)}, status=exc.http_status)
        return redirect("kiosk:done")
    return _render_step(request, booking_wizard, "confirm", readback)


def _taken(request: HttpRequest, booking_wizard: BookingWizard, readback: dict, exc: DomainError) -> HttpResponse:
    """The time went while they were typing: offer the nearest free times, a tap away."""
    device = request.kiosk_device
    alternatives = nearest_free_times(municipality=device.municipality, topic=readback["topic"],
                                      venue=readback["venue"], around=booking_wizard.starts_at, count=4)
    return _render(request, "kiosk/time.html", {
        "times": _slot_choices(alternatives, device.municipality.zone), "error": str(exc), "alternatives": True,
        "venue": readback["venue"], "day_label": None, **_step_context(booking_wizard, "time"),
    }, status=409, back=reverse("kiosk:confirm"))


def _ask_staff(request: HttpRequest, message: str) -> HttpResponse:
    """Refused by an abuse brake: nothing was done, and a person (or the phone) can help."""
    return _render(request, "kiosk/ask_staff.html", {
        "message": message, "program_phone": request.kiosk_device.municipality.program_phone,
    }, status=429)


@kiosk_page
def done(request: HttpRequest) -> HttpResponse:
    finished = request.session.get(wizard.DONE)
    if not finished:
        return redirect("kiosk:welcome")
    device = request.kiosk_device
    zone = device.municipality.zone
    if finished["kind"] == "request":
        help_request = HelpRequest.objects.filter(municipality=device.municipality, pk=finished["id"]).select_related(
            "topic", "venue", "learner").first()
        if help_request is None:
            return redirect("kiosk:reset")
        return _render(request, "kiosk/done_request.html", {
            "help_request": help_request, "call_by": deadline_label(help_request.deadline, zone),
            "program_phone": device.municipality.program_phone,
        })
    booking = Booking.objects.filter(municipality=device.municipality, pk=finished["id"]).select_related(
        "learner", "lesson", "lesson__venue", "lesson__topic", "help_request", "help_request__venue",
        "help_request__topic").first()
    if booking is None:
        return redirect("kiosk:reset")
    return _render(request, "kiosk/done.html", _booking_summary(booking, zone, device))


def _booking_summary(booking: Booking, zone, device) -> dict:
    result = BookingResult(booking=booking, created=False)
    source = booking.lesson or booking.help_request
    starts_at = booking.lesson.starts_at if booking.lesson else booking.help_request.wanted_starts_at
    return {
        "booking": booking,
        "topic": source.topic,
        "venue": source.venue,
        "day": day_label(timezone.localtime(starts_at, zone).date()) if starts_at else "",
        "is_today": bool(starts_at) and timezone.localtime(starts_at, zone).date() == timezone.localdate(timezone=zone),
        "relative_day": relative_day_label(timezone.localtime(starts_at, zone).date(),
                                           timezone.localdate(timezone=zone)) if starts_at else "",
        "time": time_label(starts_at, zone) if starts_at else "",
        "confirmed": result.confirmed,
        "begun": booking.lesson_has_begun(),
        # No volunteer by the deadline: the coordinators have the case and call the learner.
        "past_deadline": bool(result.confirm_by) and result.confirm_by <= timezone.now(),
        "waitlisted": booking.state == Booking.State.WAITLISTED,
        "confirm_by": deadline_label(result.confirm_by, zone) if result.confirm_by else None,
        "by_sms": booking.learner.reminder_channel == Learner.ReminderChannel.SMS,
        "program_phone": device.municipality.program_phone,
        "program_name": device.municipality.program_name,
    }


# --- check or cancel ----------------------------------------------------------------------------

def _check_state(request: HttpRequest) -> dict:
    return request.session.get(wizard.CHECK, {})


@kiosk_page
@require_http_methods(["GET", "POST"])
def check_phone(request: HttpRequest) -> HttpResponse:
    error = None
    typed = _check_state(request).get("phone", "")
    if request.method == "POST":
        typed = request.POST.get("phone", "").strip()
        try:
            parse_phone(typed)
        except InvalidPhoneNumber as exc:
            error = str(exc)
        else:
            request.session.pop(wizard.BOOKING, None)
            request.session.pop(wizard.DONE, None)
            request.session[wizard.CHECK] = {"phone": typed}
            return redirect("kiosk:check_code")
    return _render(request, "kiosk/check_phone.html", {"typed": typed, "error": error},
                   status=400 if error else 200, back=reverse("kiosk:welcome"))


@kiosk_page
@require_http_methods(["GET", "POST"])
def check_code(request: HttpRequest) -> HttpResponse:
    state = _check_state(request)
    if not state.get("phone"):
        return redirect("kiosk:check_phone")
    error = None
    device = request.kiosk_device
    if request.method == "POST":
        try:
            # Misses count in the database per kiosk (and per phone), shared by every worker.
            booking = booking_lookup(municipality=device.municipality, phone=state["phone"],
                                     code=request.POST.get("code", ""), client_key=f"kiosk:{device.pk}")
        except TooManyAttempts:
            return _ask_staff(request, _("予約番号の入力が続けて合わなかったため、この端末ではしばらく予約の確認を"
                                         "お休みしています。お近くの係の者にお声がけいただくか、お電話でお問い合わせください。"))
        except NotFoundError:
            # The same words whether the number is unknown or the code is wrong: nothing is revealed.
            error = _("この電話番号と予約番号の組み合わせでは、予約が見つかりませんでした。"
                      "番号をお確かめのうえ、もう一度入れてください。")
        else:
            request.session[wizard.CHECK] = {"phone": state["phone"], "booking_id": booking.pk}
            return redirect("kiosk:check_booking")
    return _render(request, "kiosk/check_code.html", {"error": error}, status=400 if error else 200,
                   back=reverse("kiosk:check_phone"))


def _checked_booking(request: HttpRequest) -> Booking | None:
    booking_id = _check_state(request).get("booking_id")
    if not booking_id:
        return None
    return Booking.objects.filter(municipality=request.kiosk_device.municipality, pk=booking_id).select_related(
        "learner", "lesson", "lesson__venue", "lesson__topic", "help_request", "help_request__venue",
        "help_request__topic").first()


@kiosk_page
def check_booking(request: HttpRequest) -> HttpResponse:
    booking = _checked_booking(request)
    if booking is None:
        return redirect("kiosk:check_phone")
    device = request.kiosk_device
    return _render(request, "kiosk/check_booking.html", _booking_summary(booking, device.municipality.zone, device),
                   back=reverse("kiosk:welcome"))


@kiosk_page
@require_http_methods(["GET", "POST"])
def check_cancel(request: HttpRequest) -> HttpResponse:
    """Are you sure? Then cancel."""
    booking = _checked_booking(request)
    if booking is None:
        return redirect("kiosk:check_phone")
    device = request.kiosk_device
    summary = _booking_summary(booking, device.municipality.zone, device)
    if request.method == "POST":
        try:
            booking_cancel(booking=booking, reason=gettext_lazy("ご本人がキオスクで取り消し"), by_learner=True)
        except DomainError as exc:
            return _render(request, "kiosk/problem.html", {"message": str(exc)}, status=exc.http_status)
        request.session.pop(wizard.CHECK, None)
        return _render(request, "kiosk/cancelled.html", summary)
    if not booking.can_change:
        return redirect("kiosk:check_booking")
    return _render(request, "kiosk/check_cancel.html", summary, back=reverse("kiosk:check_booking"))
