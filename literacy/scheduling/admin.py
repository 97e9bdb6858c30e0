"""Admin for help requests (with offers), lessons (with bookings), bookings and lesson reports."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from literacy.core.admin import PhoneSearchMixin, ScopedModelAdmin, ScopedTabularInline
from literacy.core.errors import DomainError, VolunteerUnavailable
from literacy.core.stored_text import in_program_language
from literacy.scheduling.models import Booking, HelpRequest, LearnerProgress, Lesson, LessonReport, Offer
from literacy.scheduling.services import lesson_cancel, lesson_create

# What the volunteer's calendar and the learners' reminders hold. Saving such a change here would
# tell nobody, so once a lesson exists these are read-only: a booking is moved at the phone desk
# (its one-to-one lesson moves with it), a lesson is called off with the action below.
CALENDAR_FIELDS = ("starts_at", "ends_at", "venue", "volunteer", "topic", "format", "title", "state")


class LessonAdminForm(forms.ModelForm):
    class Meta:
        model = Lesson
        fields = ("municipality", "volunteer", "venue", "topic", "format", "title", "starts_at", "ends_at", "seats",
                  "state", "cancelled_at", "cancel_reason")

    def clean(self):
        cleaned = super().clean()
        volunteer, starts_at, ends_at = (cleaned.get(name) for name in ("volunteer", "starts_at", "ends_at"))
        if self.instance.pk is None and volunteer and starts_at and ends_at and (
            Lesson.objects.active().filter(volunteer=volunteer).overlapping(starts_at, ends_at).exists()
        ):
            raise forms.ValidationError(str(VolunteerUnavailable.message))
        return cleaned


class OfferInline(ScopedTabularInline):
    model = Offer
    fields = ("rank", "volunteer", "score", "reasons", "state", "expires_at", "responded_at")
    readonly_fields = ("score", "reasons", "responded_at")
    autocomplete_fields = ("volunteer",)


@admin.register(HelpRequest)
class HelpRequestAdmin(PhoneSearchMixin, ScopedModelAdmin):
    list_display = ("id", "learner", "topic", "venue", "district", "state", "channel", "deadline", "created_at")
    list_display_links = ("id", "learner")
    list_filter = ("municipality", "state", "channel", "topic", "district")
    search_fields = ("learner__name", "learner__name_kana", "learner__phone", "preference_note")
    phone_search_fields = ("learner__phone",)
    list_select_related = ("learner", "topic", "venue", "district")
    autocomplete_fields = ("municipality", "learner", "topic", "venue", "district", "lesson")
    readonly_fields = ("entered_by", "scheduled_at", "escalated_at", "withdrawn_at", "created_at", "updated_at")
    date_hierarchy = "created_at"
    inlines = (OfferInline,)


@admin.register(Offer)
class OfferAdmin(ScopedModelAdmin):
    list_display = ("help_request", "volunteer", "rank", "score", "state", "expires_at", "responded_at")
    list_filter = ("state", "help_request__municipality")
    search_fields = ("volunteer__name", "volunteer__name_kana", "help_request__learner__name")
    list_select_related = ("help_request__learner", "help_request__topic", "volunteer")
    autocomplete_fields = ("help_request", "volunteer")
    readonly_fields = ("score", "reasons", "responded_at", "created_at", "updated_at")


class BookingInline(ScopedTabularInline):
    model = Booking
    fields = ("code", "learner", "state", "channel", "booked_by_proxy", "learner_confirmed_at")
    readonly_fields = ("code",)
    autocomplete_fields = ("learner",)
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        # A booking needs a code and its messages: it is made by the booking service, not here.
        return False


@admin.register(Lesson)
class LessonAdmin(ScopedModelAdmin):
    list_display = ("starts_at", "ends_at", "topic", "format", "volunteer", "venue", "seats", "state", "sequence")
    list_filter = ("municipality", "state", "format", "venue__district", "venue", "topic")
    search_fields = (
        "title", "volunteer__name", "volunteer__name_kana", "venue__name", "topic__name", "bookings__code",
        "calendar_uid",
    )
    list_select_related = ("topic", "volunteer", "venue")
    autocomplete_fields = ("municipality", "volunteer", "venue", "topic")
    readonly_fields = ("calendar_uid", "sequence", "created_at", "updated_at")
    date_hierarchy = "starts_at"
    inlines = (BookingInline,)
    form = LessonAdminForm
    actions = ["cancel_and_tell"]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, *CALENDAR_FIELDS) if obj is not None else fields

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            lesson_create(lesson=obj)  # with the volunteer's invite

    @admin.action(description=_("選んだレッスンを中止し、ボランティアと受講者に知らせる"), permissions=["change"])
    def cancel_and_tell(self, request, queryset):
        done = 0
        for lesson in queryset.filter(state=Lesson.State.SCHEDULED):
            try:
                with in_program_language():
                    lesson_cancel(lesson=lesson, reason=str(_("市の担当者が中止しました")), rematch=True)
            except DomainError as exc:
                self.message_user(request, f"{lesson}: {exc}", messages.WARNING)
            else:
                done += 1
        self.message_user(request, _("%(count)d件のレッスンを中止しました。") % {"count": done})


@admin.register(Booking)
class BookingAdmin(PhoneSearchMixin, ScopedModelAdmin):
    list_display = ("code", "learner", "lesson", "state", "channel", "booked_by_proxy", "learner_confirmed_at",
                    "created_at")
    list_filter = ("municipality", "state", "channel", "booked_by_proxy")
    search_fields = ("code", "learner__name", "learner__name_kana", "learner__phone")
    phone_search_fields = ("learner__phone",)
    list_select_related = ("learner", "lesson__topic")
    autocomplete_fields = ("municipality", "learner", "lesson", "help_request")
    readonly_fields = ("entered_by", "idempotency_key", "cancelled_at", "created_at", "updated_at")
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        # The code has been spoken and printed: it never changes once the booking exists.
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "code") if obj is not None else fields


class LearnerProgressInline(ScopedTabularInline):
    model = LearnerProgress
    fields = ("booking", "learner", "skills", "went_well", "could_teach")
    autocomplete_fields = ("booking", "learner", "skills")


@admin.register(LessonReport)
class LessonReportAdmin(ScopedModelAdmin):
    list_display = ("id", "lesson", "volunteer", "duration_minutes", "follow_up_needed", "created_at")
    list_display_links = ("id", "lesson")
    list_filter = ("follow_up_needed", "lesson__municipality", "lesson__topic")
    search_fields = ("volunteer__name", "volunteer__name_kana", "lesson__topic__name", "note_for_next",
                     "follow_up_note")
    list_select_related = ("lesson__topic", "volunteer")
    autocomplete_fields = ("lesson", "volunteer", "topics_covered")
    readonly_fields = ("created_at", "updated_at")
    inlines = (LearnerProgressInline,)


@admin.register(LearnerProgress)
class LearnerProgressAdmin(ScopedModelAdmin):
    list_display = ("learner", "lesson", "went_well", "could_teach")
    list_filter = ("went_well", "could_teach", "report__lesson__municipality", "report__lesson__topic")
    search_fields = ("learner__name", "learner__name_kana", "booking__code")
    list_select_related = ("learner", "report__lesson__topic")
    autocomplete_fields = ("report", "booking", "learner", "skills")

    @admin.display(description=_("レッスン"))
    def lesson(self, progress: LearnerProgress):
        return progress.report.lesson
