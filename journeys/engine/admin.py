"""Django admin for execution: runs with their step history (support), timers, audience reads."""

from __future__ import annotations

from django.contrib import admin

from journeys.models import AudienceRead, EntryDiscard, Run, Step, Timer


class StepInline(admin.TabularInline):
    model = Step
    fields = ("node", "node_type", "entered_at", "left_at", "outcome", "error")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("id",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class TimerInline(admin.TabularInline):
    model = Timer
    fields = ("node", "kind", "due_at", "status")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "profile",
        "journey",
        "version",
        "status",
        "node",
        "state",
        "is_test",
        "entered_at",
        "ended_at",
    )
    list_filter = ("status", "state", "is_test")
    search_fields = ("=id", "=profile__id", "profile__identities__value", "node")
    raw_id_fields = ("profile", "journey", "version")
    readonly_fields = (
        "journey",
        "version",
        "profile",
        "status",
        "node",
        "state",
        "context",
        "is_test",
        "revision",
        "entered_at",
        "updated_at",
        "ended_at",
        "error",
        "exit_reason",
    )
    inlines = [StepInline, TimerInline]
    list_select_related = ("profile", "journey", "version")
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Timer)
class TimerAdmin(admin.ModelAdmin):
    list_display = ("id", "run", "node", "kind", "due_at", "status")
    list_filter = ("status", "kind")
    raw_id_fields = ("run",)
    show_full_result_count = False


@admin.register(AudienceRead)
class AudienceReadAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "version",
        "key",
        "audience",
        "rate",
        "status",
        "entered",
        "discarded",
        "next_batch_at",
        "finished_at",
    )
    list_filter = ("status", "is_test")
    raw_id_fields = ("version", "audience")


@admin.register(EntryDiscard)
class EntryDiscardAdmin(admin.ModelAdmin):
    list_display = ("version", "reason", "is_test", "count", "last_at")
    list_filter = ("reason", "is_test")
    raw_id_fields = ("version",)
