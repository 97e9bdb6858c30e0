from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "literacy.accounts"
    label = "accounts"
