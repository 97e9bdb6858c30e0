from django.apps import AppConfig


class CoverageConfig(AppConfig):
    name = "literacy.coverage"
    label = "coverage"
