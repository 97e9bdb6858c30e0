"""Operations endpoints at the site root: /readyz and /metrics (/healthz lives in core)."""

from django.urls import path

from literacy.operations import views

urlpatterns = [
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
]
