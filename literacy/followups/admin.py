"""Admin for the coordinators' queue and what was done about each case."""

from django.contrib import admin

from literacy.core.admin import PhoneSearchMixin, ScopedModelAdmin, ScopedTabularInline
from literacy.followups.models import FollowUp, FollowUpAction


class FollowUpActionInline(ScopedTabularInline):
    model = FollowUpAction
    fields = ("created_at", "actor", "kind", "note")
    readonly_fields = ("created_at", "actor")


@admin.register(FollowUp)
class FollowUpAdmin(PhoneSearchMixin, ScopedModelAdmin):
    list_display = ("kind", "state", "learner", "volunteer", "opened_at", "closed_at", "closed_by", "outcome")
    list_filter = ("municipality", "kind", "state")
    search_fields = ("learner__name", "learner__name_kana", "learner__phone", "caller_phone", "volunteer__name",
                     "booking__code", "detail", "outcome")
    phone_search_fields = ("learner__phone", "caller_phone")
    list_select_related = ("learner", "volunteer", "closed_by")
    autocomplete_fields = ("municipality", "learner", "volunteer", "help_request", "booking")
    readonly_fields = ("closed_by",)
    date_hierarchy = "opened_at"
    inlines = (FollowUpActionInline,)

    def save_formset(self, request, form, formset, change):
        # Whoever records an action in the admin is its actor.
        for action in formset.save(commit=False):
            if isinstance(action, FollowUpAction) and action.actor_id is None:
                action.actor = request.user
            action.save()
        for deleted in formset.deleted_objects:
            deleted.delete()
