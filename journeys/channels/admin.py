"""Django admin of the channels: the outbox (read-only), custom actions (secret header values
never shown back), channel settings (credential never shown back), unsubscribes."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.utils.html import format_html

from journeys.models import ChannelSettings, CustomAction, Message, Reaction, Unsubscribe

from .actions import SECRET_MASK, custom_action_problems, masked_headers, merge_headers


class ReactionInline(admin.TabularInline):
    model = Reaction
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "count", "first_at", "last_at", "url")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "channel",
        "profile_link",
        "status_badge",
        "reason",
        "attempts",
        "node_id",
        "is_test",
        "created_at",
        "sent_at",
    )
    list_filter = ("channel", "status", "is_test", "in_doubt")
    search_fields = ("key", "provider_id", "=profile__id")
    date_hierarchy = "created_at"
    inlines = [ReactionInline]
    list_select_related = ("profile",)
    show_full_result_count = False  # the outbox is big: no COUNT(*) on every page

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Message._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="profile")
    def profile_link(self, obj: Message) -> str:
        return format_html(
            '<a href="../../audiences/profile/{}/change/">{}</a>', obj.profile_id, obj.profile
        )

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: Message) -> str:
        return obj.get_status_display()


class CustomActionForm(forms.ModelForm):
    url = forms.URLField(
        max_length=1000,
        assume_scheme="https",
        help_text="Static URL; port 80 or 443; no local or private hosts.",
    )
    headers = forms.JSONField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=f'[{{"name": "Authorization", "value": "Bearer …", "secret": true}}] — secret values show as '
        f"{SECRET_MASK}; leave the mask to keep the stored value.",
    )

    class Meta:
        model = CustomAction
        fields = [
            "name",
            "description",
            "enabled",
            "method",
            "url",
            "headers",
            "parameters",
            "payload_template",
            "timeout_seconds",
            "max_calls_per_minute",
        ]
        widgets = {
            "payload_template": forms.Textarea(
                attrs={"rows": 6, "cols": 80, "style": "font-family: monospace"}
            )
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial["headers"] = masked_headers(self.instance.headers if self.instance.pk else [])

    def clean_headers(self):
        submitted = self.cleaned_data.get("headers") or []
        if not isinstance(submitted, list):
            raise forms.ValidationError('a list of {"name", "value", "secret"} objects')
        return merge_headers(submitted, self.instance.headers if self.instance.pk else [])

    def clean(self):
        cleaned = super().clean()
        problems = custom_action_problems(
            url=cleaned.get("url") or "",
            headers=cleaned.get("headers") or [],
            parameters=cleaned.get("parameters") if cleaned.get("parameters") is not None else [],
            payload_template=cleaned.get("payload_template") or "",
            timeout_seconds=cleaned.get("timeout_seconds"),
            method=cleaned.get("method") or "POST",
        )
        for field, message in problems.items():
            if field not in self.errors:
                self.add_error(field, message)
        return cleaned


@admin.register(CustomAction)
class CustomActionAdmin(admin.ModelAdmin):
    form = CustomActionForm
    list_display = (
        "name",
        "method",
        "url",
        "enabled",
        "timeout_seconds",
        "max_calls_per_minute",
        "updated_at",
    )
    list_filter = ("enabled", "method")
    search_fields = ("name", "url")

    @admin.display(description="headers")
    def shown_headers(self, obj: CustomAction) -> str:
        return json.dumps(masked_headers(obj.headers))


class ChannelSettingsForm(forms.ModelForm):
    credential = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Push: bearer token. SMS: user:password. Leave empty to keep the stored value.",
    )

    class Meta:
        model = ChannelSettings
        fields = [
            "channel",
            "sender_name",
            "sender_address",
            "reply_to",
            "project_id",
            "credential",
        ]

    def clean_credential(self) -> str:
        value = self.cleaned_data.get("credential") or ""
        return value or (self.instance.credential if self.instance.pk else "")


@admin.register(ChannelSettings)
class ChannelSettingsAdmin(admin.ModelAdmin):
    form = ChannelSettingsForm
    list_display = ("channel", "sender_name", "sender_address", "has_credential")

    @admin.display(boolean=True, description="credential set")
    def has_credential(self, obj: ChannelSettings) -> bool:
        return bool(obj.credential)


@admin.register(Unsubscribe)
class UnsubscribeAdmin(admin.ModelAdmin):
    list_display = ("profile", "channel", "created_at")
    list_filter = ("channel",)
    search_fields = ("=profile__id",)
    raw_id_fields = ("profile", "message")
