"""Imports in the admin: the audit trail of who imported what, read-only."""

from django.contrib import admin

from literacy.core.admin import ScopedModelAdmin
from literacy.imports.models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(ScopedModelAdmin):
    list_display = ["created_at", "municipality", "kind", "filename", "state", "created_by", "applied_at"]
    list_filter = ["state", "kind", "municipality"]
    readonly_fields = ["municipality", "kind", "filename", "sha256", "state", "report", "created_by",
                       "created_at", "applied_at"]
    exclude = ["content"]  # the uploaded bytes may hold residents' personal data

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
