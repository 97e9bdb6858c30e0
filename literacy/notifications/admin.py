"""Coordinators see their cities' messages, why each failed, what Twilio reported, and (with the
right to change messages) resend or cancel them."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from literacy.core.admin import ScopedModelAdmin
from literacy.core.errors import DomainError
from literacy.notifications.models import DeliveryEvent, InboundMessage, Message
from literacy.notifications.services import message_resend, messages_cancel


class DeliveryEventInline(admin.TabularInline):
    model = DeliveryEvent
    extra = 0
    can_delete = False
    fields = ("received_at", "status", "error_code", "provider_id")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class FallbackInline(admin.TabularInline):
    model = Message
    fk_name = "fallback_of"
    extra = 0
    can_delete = False
    verbose_name = _("代わりに送ったメッセージ")
    verbose_name_plural = _("代わりに送ったメッセージ")
    fields = ("channel", "kind", "state", "send_after", "sent_at", "error_code")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(ScopedModelAdmin):
    list_display = ("created_at", "channel", "kind", "to", "state", "attempts", "send_after", "error_code")
    list_filter = ("state", "channel", "kind", "error_code", "municipality")
    search_fields = ("to", "idempotency_key", "provider_id", "booking__code", "learner__name", "volunteer__name")
    date_hierarchy = "created_at"
    list_select_related = ("municipality",)
    raw_id_fields = ("learner", "volunteer", "booking", "lesson", "offer", "fallback_of")
    readonly_fields = [f.name for f in Message._meta.fields]
    inlines = [DeliveryEventInline, FallbackInline]
    actions = ["resend", "cancel"]

    def has_add_permission(self, request):
        # Rows are written by services in the same transaction as their cause, never by hand.
        return False

    @admin.action(description=_("選んだメッセージを再送する"), permissions=["change"])
    def resend(self, request, queryset):
        done = 0
        for message in queryset:
            try:
                message_resend(message=message, requested_by=request.user)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"#{message.pk}: {exc}", messages.WARNING)
        self.message_user(request, _("%(count)d件を再送の列に入れました。") % {"count": done})

    @admin.action(description=_("送信待ちのメッセージを取り消す"), permissions=["change"])
    def cancel(self, request, queryset):
        count = messages_cancel(messages=queryset, reason=f"admin: {request.user}")
        self.message_user(request, _("%(count)d件を取り消しました。") % {"count": count})


@admin.register(DeliveryEvent)
class DeliveryEventAdmin(ScopedModelAdmin):
    list_display = ("received_at", "provider_id", "status", "error_code", "message")
    list_filter = ("status", "error_code")
    search_fields = ("provider_id",)
    raw_id_fields = ("message",)
    readonly_fields = ("message", "provider_id", "status", "error_code", "raw", "received_at")


@admin.register(InboundMessage)
class InboundMessageAdmin(ScopedModelAdmin):
    list_display = ("received_at", "channel", "from_number", "body", "action", "booking")
    list_filter = ("channel", "action", "municipality")
    search_fields = ("from_number", "body", "provider_id", "booking__code")
    raw_id_fields = ("learner", "booking", "message")
    readonly_fields = ("municipality", "channel", "provider_id", "from_number", "body", "learner", "booking",
                       "message", "action", "reply", "received_at")
