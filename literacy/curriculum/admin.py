"""Admin for topics and their skill checklists."""

from django.contrib import admin

from literacy.core.admin import ScopedModelAdmin, ScopedTabularInline
from literacy.curriculum.models import Skill, Topic


class SkillInline(ScopedTabularInline):
    model = Skill
    fields = ("order", "name", "name_en")


@admin.register(Topic)
class TopicAdmin(ScopedModelAdmin):
    list_display = ("order", "icon", "name", "name_en", "slug", "municipality", "is_active")
    list_display_links = ("name",)
    list_filter = ("municipality", "is_active")
    search_fields = ("name", "name_kana", "name_en", "slug")
    list_select_related = ("municipality",)
    autocomplete_fields = ("municipality",)
    prepopulated_fields = {"slug": ("name_en",)}
    readonly_fields = ("created_at", "updated_at")
    inlines = (SkillInline,)


@admin.register(Skill)
class SkillAdmin(ScopedModelAdmin):
    list_display = ("name", "topic", "order")
    list_filter = ("topic__municipality", "topic")
    search_fields = ("name", "name_en", "topic__name")
    list_select_related = ("topic",)
    autocomplete_fields = ("topic",)
