"""The phone desk: coordinators find, create and book for learners while on the phone."""

app_name = "phonedesk"

urlpatterns: list = []
