from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "literacy.imports"
    label = "imports"
