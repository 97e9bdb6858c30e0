"""Admin for user accounts (email is the login, there is no username) and coordinator roles."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.admin import TokenAdmin

from literacy.accounts.models import CoordinatorRole, User
from literacy.core.admin import ScopedModelAdmin, ScopedTabularInline

# DRF's token admin searches user__username, which this user model does not have (a 500 on search).
TokenAdmin.search_fields = ("user__email",)
TokenAdmin.search_help_text = _("メールアドレス")


class EmailUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)
        field_classes = {"email": forms.EmailField}

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("このメールアドレスはすでに使われています。"))
        return email


class EmailUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes = {"email": forms.EmailField}


class CoordinatorRoleInline(ScopedTabularInline):
    model = CoordinatorRole
    fields = ("municipality", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("municipality",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = EmailUserChangeForm
    add_form = EmailUserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("display_name", "last_name", "first_name")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "usable_password", "password1", "password2")}),
    )
    list_display = ("email", "display_name", "is_staff", "is_superuser", "is_active", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups", "coordinator_roles__municipality")
    search_fields = ("email", "display_name", "first_name", "last_name")
    ordering = ("email",)
    inlines = (CoordinatorRoleInline,)


@admin.register(CoordinatorRole)
class CoordinatorRoleAdmin(ScopedModelAdmin):
    list_display = ("user", "municipality", "created_at")
    list_filter = ("municipality",)
    search_fields = ("user__email", "user__display_name", "municipality__name")
    list_select_related = ("user", "municipality")
    autocomplete_fields = ("user", "municipality")
    readonly_fields = ("created_at",)
