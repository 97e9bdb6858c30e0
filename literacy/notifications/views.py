"""Calendar feeds and downloads, the token rotation, and the development outbox page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from literacy.notifications import ical
from literacy.notifications.models import Message
from literacy.people.models import Volunteer
from literacy.people.services import volunteer_rotate_calendar_token
from literacy.scheduling.models import Lesson


@never_cache
def volunteer_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A subscribable feed: the secret token in the address is the only key (calendar apps
    cannot log in). Rotating the token retires the old address."""
    volunteer = Volunteer.objects.select_related("municipality").filter(calendar_token=token).first()
    if volunteer is None:
        raise Http404
    return ical.calendar_response(ical.volunteer_feed(volunteer=volunteer), filename="oshieai.ics")


@login_required
def lesson_download(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson = get_object_or_404(
        Lesson.objects.select_related("municipality", "venue", "topic", "volunteer__user"), pk=lesson_id
    )
    is_own = lesson.volunteer.user_id == request.user.pk
    is_coordinator = request.user.coordinator_roles.filter(municipality_id=lesson.municipality_id).exists()
    if not (is_own or is_coordinator or request.user.is_superuser):
        raise Http404
    return ical.calendar_response(ical.lesson_download(lesson=lesson), filename=ical.lesson_filename(lesson))


@login_required
@require_POST
def calendar_token_rotate(request: HttpRequest) -> HttpResponse:
    volunteer = get_object_or_404(Volunteer, user=request.user)
    volunteer_rotate_calendar_token(volunteer=volunteer)
    return redirect(request.POST.get("next") or "/volunteer/")


def dev_outbox(request: HttpRequest) -> HttpResponse:
    """What the console provider 'sent', every municipality's: in development only. A deployed
    site has no such page, for anyone: staff see their own city's outbox under /city/, with
    two-factor authentication and the audit log."""
    if not settings.DEBUG:
        raise Http404
    messages = Message.objects.select_related("municipality").order_by("-created_at")
    page = Paginator(messages, 50).get_page(request.GET.get("page"))
    return render(request, "notifications/dev_outbox.html", {"page": page})
