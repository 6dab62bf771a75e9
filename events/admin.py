"""Django admin: configurations are created and changed through the same services as the page
and the API (same validation, same live-journey restrictions); the event log is read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from .models import Event, EventConfiguration, EventMatch
from .services import (
    EventConfigurationInvalid,
    event_configuration_create,
    event_configuration_delete,
    event_configuration_update,
    event_configuration_validate,
)

EDITABLE = [
    "name",
    "description",
    "type",
    "id_type",
    "fields",
    "condition",
    "namespace",
    "profile_id_field",
]


class EventConfigurationForm(forms.ModelForm):
    class Meta:
        model = EventConfiguration
        fields = EDITABLE

    def clean(self):
        """Validate with the services (the page's and the API's rules): errors land on the
        field they name."""
        cleaned = super().clean()
        data = {key: cleaned.get(key) for key in EDITABLE}
        current = EventConfiguration.objects.get(pk=self.instance.pk) if self.instance.pk else None
        try:
            event_configuration_validate(data=data, config=current)
        except EventConfigurationInvalid as exc:
            self._add_service_errors(exc)
        return cleaned

    def _add_service_errors(self, exc: EventConfigurationInvalid) -> None:
        for error in exc.errors:
            root = error["field"].split(".")[0].split("[")[0]
            field = root if root in self.fields else None
            message = (
                error["message"]
                if field == error["field"]
                else f"{error['field']}: {error['message']}"
            )
            self.add_error(field, message)


@admin.register(EventConfiguration)
class EventConfigurationAdmin(admin.ModelAdmin):
    form = EventConfigurationForm
    list_display = ["name", "type", "id_type", "namespace", "event_id", "updated_at"]
    list_filter = ["type", "id_type"]
    search_fields = ["name", "description"]
    readonly_fields = ["event_id", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        data = {key: form.cleaned_data.get(key) for key in EDITABLE}
        if change:
            saved = event_configuration_update(
                config=EventConfiguration.objects.get(pk=obj.pk), data=data
            )
        else:
            saved = event_configuration_create(data=data)
        obj.pk, obj.event_id = saved.pk, saved.event_id

    def delete_model(self, request, obj):
        event_configuration_delete(config=obj)


class EventMatchInline(admin.TabularInline):
    model = EventMatch
    extra = 0
    can_delete = False
    fields = ["configuration", "profile", "occurred_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The append-only log: nothing is added, changed or deleted here."""

    list_display = [
        "id",
        "external_id",
        "status",
        "reason",
        "profile",
        "occurred_at",
        "received_at",
    ]
    list_filter = ["status", "matches__configuration"]
    search_fields = ["external_id", "reason"]
    raw_id_fields = ["profile"]
    readonly_fields = [
        "external_id",
        "status",
        "reason",
        "payload",
        "profile",
        "occurred_at",
        "received_at",
    ]
    inlines = [EventMatchInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
