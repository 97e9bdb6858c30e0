"""Admin for municipalities, their districts and venues (with opening hours)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from literacy.core.admin import ScopedModelAdmin, ScopedTabularInline, weekday_label
from literacy.places.models import District, Municipality, OpeningHours, Venue


@admin.register(Municipality)
class MunicipalityAdmin(ScopedModelAdmin):
    list_display = ("name", "jis_code", "program_name", "program_phone", "coordinator_phone", "timezone")
    search_fields = ("name", "name_en", "jis_code", "program_name", "slug")
    ordering = ("jis_code",)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "name_en", "jis_code", "slug", "timezone")}),
        (_("事業"), {"fields": ("program_name", "program_phone", "coordinator_phone", "sms_sender")}),
        (_("時間の決まり"), {"fields": (
            "quiet_hours_end", "quiet_hours_start", "office_opens", "office_closes", "lesson_minutes",
            "min_notice_hours", "offer_hours", "offers_at_once",
        )}),
        (None, {"fields": ("created_at", "updated_at")}),
    )


@admin.register(District)
class DistrictAdmin(ScopedModelAdmin):
    list_display = ("name", "name_kana", "municipality", "parent", "senior_population", "order")
    list_filter = ("municipality",)
    search_fields = ("name", "name_kana", "name_en")
    list_select_related = ("municipality", "parent")
    autocomplete_fields = ("municipality", "parent")
    readonly_fields = ("created_at", "updated_at")


class OpeningHoursInline(ScopedTabularInline):
    model = OpeningHours
    fields = ("weekday", "opens", "closes")


@admin.register(Venue)
class VenueAdmin(ScopedModelAdmin):
    list_display = (
        "name", "kind", "district", "municipality", "capacity", "hours_summary", "opens_on_holidays", "is_active",
    )
    list_filter = ("municipality", "kind", "district", "opens_on_holidays", "is_active")
    search_fields = ("name", "name_kana", "name_en", "address")
    list_select_related = ("municipality", "district")
    autocomplete_fields = ("municipality", "district")
    readonly_fields = ("created_at", "updated_at", "hours_summary")
    inlines = (OpeningHoursInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("opening_hours")

    @admin.display(description=_("開館時間"))
    def hours_summary(self, venue: Venue) -> str:
        return "、".join(
            f"{weekday_label(hours.weekday)} {hours.opens:%H:%M}–{hours.closes:%H:%M}"
            for hours in venue.opening_hours.all()
        )
