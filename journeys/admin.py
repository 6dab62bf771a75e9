"""Admin for journeys and versions: definitions readable (pretty JSON and a node list);
changes go through the services (publish/close/stop actions), never raw status edits."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from . import activities, services
from .models import Journey, JourneyVersion
from .selectors import version_report


class VersionInline(admin.TabularInline):
    model = JourneyVersion
    fields = ("number", "status", "revision", "updated_at", "published_at", "published_by")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Journey)
class JourneyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "entry_type",
        "namespace",
        "timezone",
        "reentrance_allowed",
        "updated_at",
    )
    list_filter = ("entry_type", "reentrance_allowed")
    search_fields = ("name", "description")
    readonly_fields = (
        "properties_pretty",
        "reentrance_allowed",
        "reentrance_wait",
        "start_at",
        "end_at",
        "timezone",
        "entry_type",
        "created_at",
        "updated_at",
        "created_by",
    )
    fields = ("name", "description", "namespace", *readonly_fields)
    inlines = [VersionInline]
    actions = ["publish", "close", "stop", "duplicate"]

    @admin.display(description="Properties (as written)")
    def properties_pretty(self, obj: Journey) -> str:
        return format_html(
            "<pre>{}</pre>", json.dumps(obj.properties, indent=2, ensure_ascii=False)
        )

    def _run(self, request, queryset, service, done: str) -> None:
        for journey in queryset:
            try:
                service(journey=journey, user=request.user)
                self.message_user(request, f"{journey.name}: {done}", messages.SUCCESS)
            except services.JourneyServiceError as exc:
                detail = "; ".join(f"{p.code} {p.node or ''} {p.message}" for p in exc.problems[:5])
                self.message_user(
                    request, f"{journey.name}: {exc.message} {detail}", messages.ERROR
                )

    @admin.action(description="Publish the draft", permissions=["publish"])
    def publish(self, request, queryset):
        self._run(request, queryset, services.journey_publish, "published")

    @admin.action(description="Close (no new entries)", permissions=["publish"])
    def close(self, request, queryset):
        self._run(request, queryset, services.journey_close, "closed")

    @admin.action(description="Stop (everyone leaves now)", permissions=["publish"])
    def stop(self, request, queryset):
        self._run(request, queryset, services.journey_stop, "stopped")

    @admin.action(description="Duplicate as a new draft journey")
    def duplicate(self, request, queryset):
        for journey in queryset:
            services.journey_duplicate(journey=journey, user=request.user)
        self.message_user(request, f"{queryset.count()} journey(s) duplicated", messages.SUCCESS)

    def has_delete_permission(self, request, obj: Journey | None = None) -> bool:
        """Only journeys never published may be deleted (their runs and reports are history)."""
        if obj is not None and obj.versions.exclude(status__in=["draft", "test"]).exists():
            return False
        return super().has_delete_permission(request, obj)

    def has_publish_permission(self, request) -> bool:
        return services.can_publish(request.user)

    def save_model(self, request, obj, form, change) -> None:
        """Name/description/namespace edits go through the draft service when there is one."""
        if change:
            try:
                services.journey_update_properties(
                    journey=obj,
                    name=obj.name,
                    description=obj.description,
                    namespace=obj.namespace,
                    properties=obj.properties,
                    user=request.user,
                )
                return
            except services.NotEditable:
                pass
        super().save_model(request, obj, form, change)


@admin.register(JourneyVersion)
class JourneyVersionAdmin(admin.ModelAdmin):
    list_display = ("journey", "number", "status", "revision", "updated_at", "published_at")
    list_filter = ("status",)
    search_fields = ("journey__name",)
    list_select_related = ("journey",)
    readonly_fields = (
        "journey",
        "number",
        "status",
        "revision",
        "node_list",
        "validation",
        "definition_pretty",
        "layout",
        "created_at",
        "updated_at",
        "published_at",
        "ended_at",
        "created_by",
        "updated_by",
        "published_by",
    )
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="Activities")
    def node_list(self, obj: JourneyVersion) -> str:
        outgoing: dict[str, list[str]] = {}
        for edge in obj.edges:
            port = edge.get("port")
            outgoing.setdefault(edge.get("from"), []).append(
                f"{edge.get('to')}{f' ({port})' if port else ''}"
            )
        rows = []
        for node in obj.nodes:
            activity = activities.REGISTRY.get(node.get("type"))
            summary = (
                activity.summary(node.get("config") or {}, activities.Names()) if activity else ""
            )
            rows.append(
                (
                    node.get("id"),
                    activity.label if activity else node.get("type"),
                    summary,
                    ", ".join(outgoing.get(node.get("id"), [])) or "—",
                )
            )
        return format_html(
            "<table><tr><th>Id</th><th>Activity</th><th>Settings</th><th>Next</th></tr>{}</table>",
            format_html_join(
                "", "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>", rows
            ),
        )

    @admin.display(description="Validation")
    def validation(self, obj: JourneyVersion) -> str:
        report = version_report(obj)
        if not report.problems:
            return "Valid, no warnings"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li><code>{}</code> {} — {}</li>",
                ((p.code, p.node or "", p.message) for p in report.problems),
            ),
        )

    @admin.display(description="Definition (the export, JSON)")
    def definition_pretty(self, obj: JourneyVersion) -> str:
        return format_html(
            "<pre>{}</pre>", json.dumps(obj.definition, indent=2, ensure_ascii=False)
        )


# The channels register their own models (outbox, custom actions, channel settings).
from journeys.channels import admin as channels_admin  # noqa: E402, F401
