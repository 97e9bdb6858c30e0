"""Admin for learners and volunteers (with their weekly windows and days off)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from literacy.core.admin import (
    PhoneSearchMixin,
    ScopedModelAdmin,
    ScopedTabularInline,
    weekday_label,
)
from literacy.core.errors import InvalidPhoneNumber
from literacy.core.phones import parse_phone
from literacy.people.models import Availability, AvailabilityException, Learner, Volunteer


def _e164_or_error(raw: str) -> str:
    try:
        return parse_phone(raw).e164
    except InvalidPhoneNumber as error:
        raise forms.ValidationError(str(error)) from error


class LearnerAdminForm(forms.ModelForm):
    """Numbers are typed as people write them; stored in E.164, with the kind read from the number."""

    class Meta:
        model = Learner
        fields = (
            "municipality", "name", "name_kana", "phone", "district", "reminder_channel", "sms_opted_out_at", "device",
            "needs_large_print", "needs_hearing_support", "needs_mobility_support", "needs_home_visit", "notes",
            "consent_at", "consent_channel", "proxy_name", "proxy_relation", "proxy_phone", "proxy_email",
            "proxy_gets_reminders", "needs_callback", "could_teach", "created_channel",
        )

    def clean_phone(self) -> str:
        return _e164_or_error(self.cleaned_data["phone"])

    def clean_proxy_phone(self) -> str:
        raw = self.cleaned_data.get("proxy_phone", "")
        return _e164_or_error(raw) if raw.strip() else ""

    def clean(self):
        cleaned = super().clean()
        phone = cleaned.get("phone")
        if phone:
            self.instance.phone_kind = parse_phone(phone).kind
            # SMS reaches mobiles only; a landline would be refused by the carrier (Twilio 21614).
            if cleaned.get("reminder_channel") == Learner.ReminderChannel.SMS and self.instance.phone_kind != "mobile":
                self.add_error("reminder_channel", _("固定電話にはショートメールを送れません。電話でのお知らせをお選びください。"))
        return cleaned


@admin.register(Learner)
class LearnerAdmin(PhoneSearchMixin, ScopedModelAdmin):
    form = LearnerAdminForm
    list_display = (
        "name", "name_kana", "phone", "phone_kind", "reminder_channel", "district", "device", "needs_callback",
        "last_active_at",
    )
    list_filter = (
        "municipality", "district", "phone_kind", "reminder_channel", "device", "needs_callback", "could_teach",
        "created_channel", "needs_large_print", "needs_hearing_support", "needs_home_visit",
    )
    search_fields = ("name", "name_kana", "phone", "proxy_name", "proxy_phone", "proxy_email")
    phone_search_fields = ("phone", "proxy_phone")
    list_select_related = ("district",)
    autocomplete_fields = ("municipality", "district")
    readonly_fields = (
        "phone_kind", "consent_taken_by", "created_at", "updated_at", "last_active_at", "anonymised_at",
    )
    fieldsets = (
        (None, {"fields": ("municipality", "name", "name_kana", "phone", "phone_kind", "district")}),
        (_("お知らせ"), {"fields": ("reminder_channel", "sms_opted_out_at")}),
        (_("配慮とご利用の機器"), {"fields": (
            "device", "needs_large_print", "needs_hearing_support", "needs_mobility_support", "needs_home_visit",
            "notes",
        )}),
        (_("同意"), {"fields": ("consent_at", "consent_channel", "consent_taken_by")}),
        (_("ご家族（代理）"), {"fields": (
            "proxy_name", "proxy_relation", "proxy_phone", "proxy_email", "proxy_gets_reminders",
        )}),
        (_("状況"), {"fields": (
            "needs_callback", "could_teach", "created_channel", "last_active_at", "anonymised_at", "created_at",
            "updated_at",
        )}),
    )


class VolunteerAdminForm(forms.ModelForm):
    class Meta:
        model = Volunteer
        fields = (
            "user", "municipality", "name", "name_kana", "phone", "kind", "topics", "districts", "venues",
            "home_visits", "languages", "weekly_cap", "status", "trained_on", "former_learner",
        )

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone", "")
        return _e164_or_error(raw) if raw.strip() else ""


class AvailabilityInline(ScopedTabularInline):
    model = Availability
    fields = ("weekday", "starts", "ends", "venue", "is_instant")
    autocomplete_fields = ("venue",)


class AvailabilityExceptionInline(ScopedTabularInline):
    model = AvailabilityException
    fields = ("starts_on", "ends_on", "reason")


@admin.register(Volunteer)
class VolunteerAdmin(PhoneSearchMixin, ScopedModelAdmin):
    form = VolunteerAdminForm
    list_display = ("name", "name_kana", "kind", "status", "municipality", "weekly_cap", "home_visits", "trained_on")
    list_filter = ("municipality", "status", "kind", "districts", "home_visits")
    search_fields = ("name", "name_kana", "phone", "user__email")
    phone_search_fields = ("phone",)
    list_select_related = ("municipality",)
    autocomplete_fields = ("user", "municipality", "topics", "districts", "venues", "former_learner")
    readonly_fields = ("approved_by", "approved_at", "calendar_token", "phone_verified_at", "created_at", "updated_at")
    inlines = (AvailabilityInline, AvailabilityExceptionInline)
    fieldsets = (
        (None, {"fields": ("user", "municipality", "name", "name_kana", "phone", "phone_verified_at", "kind")}),
        (_("活動"), {"fields": ("topics", "districts", "venues", "home_visits", "languages", "weekly_cap")}),
        (_("状態"), {"fields": ("status", "approved_by", "approved_at", "trained_on", "former_learner")}),
        (_("カレンダー"), {"fields": ("calendar_token",)}),
        (None, {"fields": ("created_at", "updated_at")}),
    )


@admin.register(Availability)
class AvailabilityAdmin(ScopedModelAdmin):
    list_display = ("volunteer", "weekday_name", "starts", "ends", "venue", "is_instant")
    list_filter = ("weekday", "is_instant", "volunteer__municipality", "venue__district", "venue")
    search_fields = ("volunteer__name", "volunteer__name_kana", "venue__name")
    list_select_related = ("volunteer", "venue")
    autocomplete_fields = ("volunteer", "venue")

    @admin.display(description=_("曜日"), ordering="weekday")
    def weekday_name(self, availability: Availability) -> str:
        return weekday_label(availability.weekday)


@admin.register(AvailabilityException)
class AvailabilityExceptionAdmin(ScopedModelAdmin):
    list_display = ("volunteer", "starts_on", "ends_on", "reason")
    list_filter = ("volunteer__municipality",)
    search_fields = ("volunteer__name", "volunteer__name_kana", "reason")
    list_select_related = ("volunteer",)
    autocomplete_fields = ("volunteer",)
    date_hierarchy = "starts_on"
