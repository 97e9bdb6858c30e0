"""The REST API: /api/v1/…, the OpenAPI schema at /api/schema/ and its docs at /api/docs/."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

import api.schema  # noqa: F401  (registers the device-key security scheme)
from api.errors import api_not_found
from api.views import bookings, catalog, city, work

app_name = "api"

v1 = [
    path("topics/", catalog.TopicList.as_view(), name="topic-list"),
    path("topics/<slug:slug>/", catalog.TopicDetail.as_view(), name="topic-detail"),
    path("districts/", catalog.DistrictList.as_view(), name="district-list"),
    path("districts/<int:pk>/", catalog.DistrictDetail.as_view(), name="district-detail"),
    path("venues/", catalog.VenueList.as_view(), name="venue-list"),
    path("venues/<int:pk>/", catalog.VenueDetail.as_view(), name="venue-detail"),
    path("slots/", catalog.SlotList.as_view(), name="slot-list"),
    path("bookings/", bookings.BookingCreate.as_view(), name="booking-create"),
    path("bookings/<str:code>/", bookings.BookingLookup.as_view(), name="booking-detail"),
    path("bookings/<str:code>/cancel/", bookings.BookingCancel.as_view(), name="booking-cancel"),
    path("offers/", work.OfferList.as_view(), name="offer-list"),
    path("offers/<int:pk>/", work.OfferDetail.as_view(), name="offer-detail"),
    path("offers/<int:pk>/accept/", work.OfferAccept.as_view(), name="offer-accept"),
    path("offers/<int:pk>/decline/", work.OfferDecline.as_view(), name="offer-decline"),
    path("lessons/", work.LessonList.as_view(), name="lesson-list"),
    path("lessons/<int:pk>/", work.LessonDetail.as_view(), name="lesson-detail"),
    path("reports/", work.ReportListCreate.as_view(), name="report-list"),
    path("reports/<int:pk>/", work.ReportDetail.as_view(), name="report-detail"),
    path("requests/", city.HelpRequestList.as_view(), name="request-list"),
    path("requests/<int:pk>/", city.HelpRequestDetail.as_view(), name="request-detail"),
    path("learners/", city.LearnerList.as_view(), name="learner-list"),
    path("learners/<int:pk>/", city.LearnerDetail.as_view(), name="learner-detail"),
    path("messages/", city.MessageList.as_view(), name="message-list"),
    path("messages/<int:pk>/", city.MessageDetail.as_view(), name="message-detail"),
    path("coverage/", city.CoverageList.as_view(), name="coverage"),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the CSP needs no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    # Anything else under /api/ is a JSON 404, never an HTML page.
    re_path(r"^", api_not_found),
]
