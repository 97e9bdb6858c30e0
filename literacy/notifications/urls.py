"""Calendar feeds (/calendar/<token>.ics), single-lesson downloads, the dev outbox page."""

from django.urls import path

from literacy.notifications import views

app_name = "notifications"

urlpatterns = [
    path("calendar/<str:token>.ics", views.volunteer_feed, name="volunteer-feed"),
    path("calendar/lessons/<int:lesson_id>.ics", views.lesson_download, name="lesson-download"),
    path("calendar/rotate/", views.calendar_token_rotate, name="calendar-token-rotate"),
    path("dev/outbox/", views.dev_outbox, name="dev-outbox"),
]
