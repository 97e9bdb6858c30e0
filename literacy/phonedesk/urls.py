"""The phone desk: coordinators find, create and book for learners while on the phone."""

from django.urls import path

from literacy.phonedesk import views

app_name = "phonedesk"

urlpatterns = [
    path("", views.desk, name="desk"),
    path("learners/new/", views.learner_create, name="learner_create"),
    path("learners/<int:pk>/", views.learner_detail, name="learner"),
    path("learners/<int:pk>/book/", views.learner_book, name="learner_book"),
    path("learners/<int:pk>/notes/", views.learner_note, name="learner_note"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel_view, name="booking_cancel"),
    path("bookings/<int:pk>/move/", views.booking_move_view, name="booking_move"),
]
