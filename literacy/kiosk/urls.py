"""Kiosk URLs, under /kiosk/."""

from django.urls import path

from literacy.kiosk import views

app_name = "kiosk"

urlpatterns = [
    path("", views.welcome, name="welcome"),
    path("activate/", views.activate, name="activate"),
    path("reset/", views.reset, name="reset"),
    path("switch/", views.prefs, name="prefs"),
    path("book/", views.start, name="start"),
    path("book/topic/", views.topic, name="topic"),
    path("book/place/", views.place, name="place"),
    path("book/day/", views.day, name="day"),
    path("book/time/", views.time, name="time"),
    path("book/phone/", views.phone, name="phone"),
    path("book/name/", views.name, name="name"),
    path("book/family/", views.proxy, name="proxy"),
    path("book/reminder/", views.reminder, name="reminder"),
    path("book/confirm/", views.confirm, name="confirm"),
    path("book/done/", views.done, name="done"),
    path("check/", views.check_phone, name="check_phone"),
    path("check/code/", views.check_code, name="check_code"),
    path("check/booking/", views.check_booking, name="check_booking"),
    path("check/cancel/", views.check_cancel, name="check_cancel"),
]
