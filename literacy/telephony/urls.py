"""Twilio webhooks, all signed (see signatures.py). The voice booking line will live here too."""

from django.urls import path

from literacy.telephony import views

app_name = "telephony"

urlpatterns = [
    path("sms/", views.sms_inbound, name="sms"),
    path("status/", views.status_callback, name="status"),
    path("voice/reminder/<int:message_id>/", views.voice_reminder, name="voice-reminder"),
    path("voice/reminder/<int:message_id>/answer/", views.voice_reminder_answer, name="voice-reminder-answer"),
]
