from django.apps import AppConfig


class CurriculumConfig(AppConfig):
    name = "literacy.curriculum"
    label = "curriculum"
