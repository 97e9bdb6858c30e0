"""Kiosk devices in the admin: a list to watch, and revoking. New kiosks come from
`manage.py create_kiosk` (or the coordinators' page), which shows the one-time code."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from literacy.kiosk.models import KioskDevice
from literacy.kiosk.services import kiosk_revoke


@admin.register(KioskDevice)
class KioskDeviceAdmin(admin.ModelAdmin):
    list_display = ("name", "venue", "municipality", "activated_at", "last_seen_at", "revoked_at")
    list_filter = ("municipality",)
    search_fields = ("name", "venue__name")
    readonly_fields = [field.name for field in KioskDevice._meta.fields]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("選んだキオスク端末を無効にする"))
    def revoke(self, request, queryset):
        for device in queryset:
            kiosk_revoke(device=device, revoked_by=request.user)
        self.message_user(request, _("無効にしました。"), messages.SUCCESS)
