"""/city/: the coordinators' area."""

from django.urls import path

from literacy.coverage import kiosk_views, privacy_views, views

app_name = "coverage"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("queue/<int:pk>/", views.case_detail, name="case"),
    path("queue/<int:pk>/call/", views.case_call, name="case_call"),
    path("queue/<int:pk>/close/", views.case_close, name="case_close"),
    path("queue/<int:pk>/assign/", views.case_assign, name="case_assign"),
    path("learners/<int:pk>/", views.learner_detail, name="learner"),
    path("learners/<int:pk>/export.json", privacy_views.learner_export_json, name="learner_export"),
    path("learners/<int:pk>/erase/", privacy_views.learner_erase_view, name="learner_erase"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/<slug:slug>.csv", views.coverage_csv, name="coverage_csv"),
    path("reports/monthly/", views.monthly_report, name="monthly"),
    path("reports/monthly.csv", views.monthly_report_csv, name="monthly_csv"),
    path("volunteers/", views.volunteers, name="volunteers"),
    path("volunteers/<int:pk>/status/", views.volunteer_status, name="volunteer_status"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:pk>/resend/", views.outbox_message_resend, name="outbox_resend"),
    path("places/", views.places, name="places"),
    path("places/venues/new/", views.venue_edit, name="venue_new"),
    path("places/venues/<int:pk>/", views.venue_edit, name="venue_edit"),
    path("places/topics/new/", views.topic_edit, name="topic_new"),
    path("places/topics/<int:pk>/", views.topic_edit, name="topic_edit"),
    path("kiosks/", kiosk_views.kiosks, name="kiosks"),
    path("kiosks/new/", kiosk_views.kiosk_new, name="kiosk_new"),
    path("kiosks/<int:pk>/registered/", kiosk_views.kiosk_registered, name="kiosk_registered"),
    path("kiosks/<int:pk>/revoke/", kiosk_views.kiosk_revoke_view, name="kiosk_revoke"),
    path("audit/", views.audit_log, name="audit"),
]
