"""Django admin for audiences: the rule shown as a sentence, its JSON validated on save with
the same checks as the API (errors name the rule path), and the current member count. An
audience a journey reads is not deleted (the page and the API refuse it too): the admin says
which journeys use it."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import transaction
from django.shortcuts import redirect

from audiences.models import Audience
from audiences.rules import PROFILE_FIELDS
from audiences.rules.describe import describe_rule
from audiences.selectors.audiences import audience_count
from audiences.services.audiences import audience_delete, audience_validate, in_use_message
from audiences.usage import usages


class PrettyJSONField(forms.JSONField):
    """The rule's JSON indented, so an admin can read and edit it."""

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False)


class AudienceAdminForm(forms.ModelForm):
    rule = PrettyJSONField(
        help_text=Audience._meta.get_field("rule").help_text,
        widget=forms.Textarea(attrs={"rows": 16, "cols": 90, "style": "font-family: monospace"}),
    )

    class Meta:
        model = Audience
        fields = ["name", "description", "rule"]

    def clean(self):
        """The service's validation, each error put on its form field (`rule.all[1].op` on rule)."""
        cleaned = super().clean()
        if "name" not in cleaned or "rule" not in cleaned:
            return cleaned  # Django already reported what is missing or not JSON
        errors = audience_validate(
            name=cleaned["name"],
            rule=cleaned["rule"],
            audience=self.instance if self.instance.pk else None,
        )
        for error in errors:
            field = "name" if error["field"] == "name" else "rule"
            self.add_error(
                field,
                f"{error['field']}: {error['message']}" if field == "rule" else error["message"],
            )
        return cleaned


@admin.register(Audience)
class AudienceAdmin(admin.ModelAdmin):
    form = AudienceAdminForm
    list_display = ["name", "rule_readable", "updated_at"]
    search_fields = ["name", "description"]
    readonly_fields = ["rule_readable", "profile_count", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "description"]}),
        ("Rule", {"fields": ["rule_readable", "rule", "profile_count"]}),
        ("History", {"fields": ["created_at", "updated_at"]}),
    ]

    @admin.display(description="In words")
    def rule_readable(self, audience: Audience) -> str:
        return describe_rule(audience.rule, PROFILE_FIELDS) if audience.rule else "—"

    @admin.display(description="Profiles now")
    def profile_count(self, audience: Audience) -> str:
        return intcomma(audience_count(audience=audience)) if audience.pk else "—"

    def delete_view(self, request, object_id, extra_context=None):
        """A used audience: back to its page with the reason, naming the journeys."""
        audience = self.get_object(request, unquote(object_id))
        used = usages([audience.pk])[audience.pk] if audience is not None else []
        if used and self.has_delete_permission(request, audience):
            self.message_user(
                request,
                f"“{audience.name}” was not deleted: {in_use_message(used)}",
                messages.ERROR,
            )
            return redirect("admin:audiences_audience_change", audience.pk)
        return super().delete_view(request, object_id, extra_context)

    def get_deleted_objects(self, objs, request):
        """The "Delete selected" action: the journeys using any of them are listed as protected,
        so Django refuses the whole deletion."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        audiences = list(objs)
        used = usages([audience.pk for audience in audiences])
        for audience in audiences:
            protected.extend(
                f"{usage.label} reads “{audience.name}”" for usage in used[audience.pk]
            )
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        audience_delete(audience=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for audience in queryset:
                audience_delete(audience=audience)
