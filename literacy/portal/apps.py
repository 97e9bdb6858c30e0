from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "literacy.portal"
    label = "portal"
