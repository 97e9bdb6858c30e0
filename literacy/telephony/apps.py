from django.apps import AppConfig


class TelephonyConfig(AppConfig):
    name = "literacy.telephony"
    label = "telephony"
