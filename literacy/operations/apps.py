from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "literacy.operations"
    label = "operations"
