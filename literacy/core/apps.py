from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "literacy.core"
    label = "core"
