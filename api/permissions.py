"""Roles: who may call an endpoint. Which rows they then see is the view's queryset (scoping)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from api.tenancy import coordinator_scope, kiosk_device, needs_second_factor, volunteer_profile


class IsCoordinator(BasePermission):
    message = _("この操作はコーディネーターだけができます。")

    def has_permission(self, request, view) -> bool:
        if not coordinator_scope(request):
            return False
        if needs_second_factor(request):
            self.message = _("二段階認証を設定してからご利用ください。")
            return False
        return True


class IsVolunteer(BasePermission):
    message = _("この操作はボランティアだけができます。")

    def has_permission(self, request, view) -> bool:
        return volunteer_profile(request) is not None


class IsVolunteerOrCoordinator(BasePermission):
    message = _("この操作はボランティアかコーディネーターだけができます。")

    def has_permission(self, request, view) -> bool:
        if volunteer_profile(request) is not None:
            return True
        return IsCoordinator().has_permission(request, view)


class IsKioskOrCoordinator(BasePermission):
    """Bookings are made at a registered kiosk or by city staff (phone desk, an integration)."""

    message = _("予約はキオスク端末か担当者のアカウントからお願いします。")

    def has_permission(self, request, view) -> bool:
        if kiosk_device(request) is not None:
            return True
        return IsCoordinator().has_permission(request, view)
