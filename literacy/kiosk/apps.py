from django.apps import AppConfig


class KioskConfig(AppConfig):
    name = "literacy.kiosk"
    label = "kiosk"
