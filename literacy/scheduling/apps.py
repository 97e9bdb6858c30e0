from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "literacy.scheduling"
    label = "scheduling"
