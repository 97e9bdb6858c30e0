"""URLs of the volunteer pages, mounted at /volunteer/."""

from django.urls import path

from literacy.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("apply/", views.apply, name="apply"),
    path("profile/", views.profile, name="profile"),
    path("profile/phone/send/", views.phone_send_code, name="phone_send_code"),
    path("profile/phone/verify/", views.phone_verify, name="phone_verify"),
    path("status/", views.status_change, name="status"),
    path("availability/", views.availability, name="availability"),
    path("availability/days-off/", views.exception_add, name="exception_add"),
    path("availability/days-off/<int:exception_id>/delete/", views.exception_remove, name="exception_remove"),
    path("offers/", views.offers, name="offers"),
    path("offers/<int:offer_id>/<str:answer>/", views.offer_answer, name="offer_answer"),
    path("o/<str:token>/", views.offer_link, name="offer_link"),
    path("lessons/", views.lessons, name="lessons"),
    path("lessons/<int:lesson_id>/", views.lesson_detail, name="lesson"),
    path("lessons/<int:lesson_id>/lesson.ics", views.lesson_download, name="lesson_ics"),
    path("lessons/<int:lesson_id>/cancel/", views.lesson_cancel_view, name="lesson_cancel"),
    path("lessons/<int:lesson_id>/report/", views.lesson_report, name="lesson_report"),
    path("calendar/new-link/", views.calendar_rotate, name="calendar_rotate"),
    path("impact/", views.impact, name="impact"),
]
