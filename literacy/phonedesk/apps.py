from django.apps import AppConfig


class PhonedeskConfig(AppConfig):
    name = "literacy.phonedesk"
    label = "phonedesk"
