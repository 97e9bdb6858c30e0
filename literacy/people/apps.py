from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "literacy.people"
    label = "people"
