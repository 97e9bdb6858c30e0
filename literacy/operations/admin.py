"""Worker heartbeats in the admin: when each background worker last reported."""

from django.contrib import admin

from literacy.operations.models import WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "beat_at"]
    readonly_fields = ["name", "beat_at"]
