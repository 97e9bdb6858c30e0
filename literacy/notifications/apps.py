from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "literacy.notifications"
    label = "notifications"
