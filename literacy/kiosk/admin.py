"""Kiosk devices in the admin: a scoped list to watch, and revoking. Keys and activation codes are
stored as hashes and never shown; new kiosks come from `manage.py create_kiosk` (or the
coordinators' page), which shows the one-time code."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from literacy.core.admin import ScopedModelAdmin
from literacy.kiosk.models import KioskDevice
from literacy.kiosk.services import kiosk_revoke


@admin.register(KioskDevice)
class KioskDeviceAdmin(ScopedModelAdmin):
    list_display = ("name", "venue", "municipality", "is_active_display", "activated_at", "revoked_at",
                    "last_seen_at")
    list_filter = ("municipality", "venue")
    search_fields = ("name", "venue__name")
    list_select_related = ("venue", "municipality")
    readonly_fields = [field.name for field in KioskDevice._meta.fields]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("使用中"), boolean=True)
    def is_active_display(self, device: KioskDevice) -> bool:
        return device.is_active

    @admin.action(description=_("選んだキオスク端末を無効にする"))
    def revoke(self, request, queryset):
        for device in queryset:
            kiosk_revoke(device=device, revoked_by=request.user)
        self.message_user(request, _("無効にしました。"), messages.SUCCESS)
