from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "literacy.places"
    label = "places"
