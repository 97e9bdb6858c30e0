"""Top-level URL map: one include per room of the house."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from literacy.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("kiosk/", include("literacy.kiosk.urls")),
    path("api/", include("api.urls")),
    path("volunteer/", include("literacy.portal.urls")),
    path("city/phone-desk/", include("literacy.phonedesk.urls")),
    path("twilio/voice/", include("literacy.telephony.voice_urls")),
    path("city/", include("literacy.coverage.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
    path("twilio/", include("literacy.telephony.urls")),
    path("", include("literacy.notifications.urls")),
    path("city/import/", include("literacy.imports.urls")),
    path("", include("literacy.operations.urls")),
]
