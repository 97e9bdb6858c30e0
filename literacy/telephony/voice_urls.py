"""The voice line's webhooks, under /twilio/voice/ (the reminder call there belongs to urls.py)."""

from django.urls import path

from literacy.telephony import voice_line

app_name = "voice_line"

urlpatterns = [
    path("", voice_line.voice_incoming, name="incoming"),
    path("keys/<slug:step>/", voice_line.voice_step, name="step"),
    path("person/after/", voice_line.voice_person_after, name="person_after"),
    path("voicemail/", voice_line.voice_voicemail, name="voicemail"),
    path("voicemail/done/", voice_line.voice_voicemail_done, name="voicemail_done"),
]
