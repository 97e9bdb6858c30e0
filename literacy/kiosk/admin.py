"""Admin for kiosk devices. Keys and activation codes are stored as hashes and never shown."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from literacy.core.admin import ScopedModelAdmin
from literacy.kiosk.models import KioskDevice


@admin.register(KioskDevice)
class KioskDeviceAdmin(ScopedModelAdmin):
    list_display = ("name", "venue", "municipality", "is_active_display", "activated_at", "revoked_at",
                    "last_seen_at")
    list_filter = ("municipality", "venue")
    search_fields = ("name", "venue__name")
    list_select_related = ("venue", "municipality")
    autocomplete_fields = ("municipality", "venue")
    readonly_fields = ("activation_code_hash", "activation_expires_at", "key_hash", "activated_at", "last_seen_at",
                       "created_by", "created_at")

    @admin.display(description=_("使用中"), boolean=True)
    def is_active_display(self, device: KioskDevice) -> bool:
        return device.is_active

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
