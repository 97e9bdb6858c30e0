from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "literacy.followups"
    label = "followups"
