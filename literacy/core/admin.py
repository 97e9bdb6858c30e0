"""Admin building blocks shared by every app: tenant scoping, phone-number search, weekday labels.

Coordinators use the admin too, and they may see only their own municipalities' records;
superusers see everything.
"""

from functools import wraps

from allauth.account.decorators import secure_admin_login
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import admin
from django.db.models import Model, QuerySet
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from literacy.core.errors import InvalidPhoneNumber
from literacy.core.phones import parse_phone

admin.site.site_header = _("教え合い 管理画面")
admin.site.site_title = _("教え合い")
admin.site.index_title = _("データの管理")


def _two_factor_first(login_view):
    """A staff member signed in without two-factor authentication is sent to set it up: the admin
    shows every learner's personal data, and a password alone may have been stolen."""

    @wraps(login_view)
    def view(request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_staff and not is_mfa_enabled(request.user):
            return redirect("mfa_activate_totp")
        return login_view(request, *args, **kwargs)

    return view


_staff_may_enter = admin.site.has_permission


def _staff_with_two_factor(request) -> bool:
    return _staff_may_enter(request) and is_mfa_enabled(request.user)


# The admin's own password form would skip allauth's failed-login limits and its two-factor
# step: send everyone through the one login that has both, and let no one in without it.
admin.site.has_permission = _staff_with_two_factor
admin.site.login = secure_admin_login(_two_factor_first(admin.site.login))

WEEKDAY_LABELS = ("月", "火", "水", "木", "金", "土", "日")

# How each model reaches its municipality, where it has no `municipality` field of its own.
MUNICIPALITY_PATHS = {
    "places.municipality": "pk",
    "places.openinghours": "venue__municipality",
    "curriculum.skill": "topic__municipality",
    "people.availability": "volunteer__municipality",
    "people.availabilityexception": "volunteer__municipality",
    "scheduling.offer": "help_request__municipality",
    "scheduling.lessonreport": "lesson__municipality",
    "scheduling.learnerprogress": "report__lesson__municipality",
    "followups.followupaction": "follow_up__municipality",
    # A callback that matched no message yet belongs to no city: only superusers see it.
    "notifications.deliveryevent": "message__municipality",
}


def municipality_path(model: type[Model]) -> str | None:
    """The lookup from `model` to its municipality, or None for models that belong to no city (users)."""
    label = model._meta.label_lower
    if label in MUNICIPALITY_PATHS:
        return MUNICIPALITY_PATHS[label]
    if any(field.name == "municipality" for field in model._meta.get_fields()):
        return "municipality"
    return None


def scope_to_user(queryset: QuerySet, user) -> QuerySet:
    """Only the rows of the municipalities this user coordinates (all of them for a superuser)."""
    path = municipality_path(queryset.model)
    if user.is_superuser or path is None:
        return queryset
    from literacy.accounts.models import CoordinatorRole

    mine = CoordinatorRole.objects.filter(user=user).values("municipality_id")
    return queryset.filter(**{f"{path}__in": mine})


class MunicipalityScopedMixin:
    """For ModelAdmin and inlines: rows and every choice (select or autocomplete) limited to one's cities."""

    def get_queryset(self, request):
        return scope_to_user(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scope_to_user(field.queryset, request.user)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scope_to_user(field.queryset, request.user)
        return field


class ScopedModelAdmin(MunicipalityScopedMixin, admin.ModelAdmin):
    list_per_page = 50
    show_full_result_count = False  # one COUNT less on big tables


class ScopedTabularInline(MunicipalityScopedMixin, admin.TabularInline):
    extra = 0


class ScopedStackedInline(MunicipalityScopedMixin, admin.StackedInline):
    extra = 0


class PhoneSearchMixin:
    """Numbers are stored in E.164; a coordinator types them as written (090-1234-5678). Match both."""

    phone_search_fields: tuple[str, ...] = ()

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not search_term.strip() or not self.phone_search_fields:
            return results, may_have_duplicates
        try:
            e164 = parse_phone(search_term).e164
        except InvalidPhoneNumber:
            return results, may_have_duplicates
        by_phone = queryset.none()
        for field in self.phone_search_fields:
            by_phone = by_phone | queryset.filter(**{field: e164})
        return results | by_phone, may_have_duplicates


def weekday_label(weekday: int) -> str:
    return WEEKDAY_LABELS[weekday] if 0 <= weekday < len(WEEKDAY_LABELS) else str(weekday)
