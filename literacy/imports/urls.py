"""Coordinator pages for importing rosters, mounted at /city/import/."""

from django.urls import path

from literacy.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("template/<str:kind>.csv", views.template_csv, name="template"),
    path("<int:batch_id>/", views.preview, name="preview"),
]
