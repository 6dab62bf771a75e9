"""Django admin for profiles, identities and import jobs. Built for millions of rows: search
goes through the same index-friendly matcher as the profile list, counts are estimated, and
the city filter lists cities with a loose index scan."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.paginator import Paginator
from django.db import transaction
from django.utils.functional import cached_property

from . import profile_changes
from .models import Identity, ImportJob, Profile
from .selectors.profiles import profile_cities, profile_count_estimate, search_q
from .services.profile_input import normalize_identity
from .services.profiles import profiles_delete


class EstimatedCountPaginator(Paginator):
    """The unfiltered change list counts with the planner's estimate, not COUNT(*)."""

    @cached_property
    def count(self) -> int:
        query = self.object_list.query
        if not query.where and self.object_list.model is Profile:
            return profile_count_estimate()[0]
        return super().count


class CityFilter(admin.SimpleListFilter):
    title = "city"
    parameter_name = "city"

    def lookups(self, request, model_admin):
        return [(city, city) for city in profile_cities()]

    def queryset(self, request, queryset):
        return queryset.filter(city=self.value()) if self.value() else queryset


class IdentityForm(forms.ModelForm):
    """Stores values the way the API does (emails lower-case, phones E.164)."""

    class Meta:
        model = Identity
        fields = ("namespace", "value")

    def clean(self):
        data = super().clean()
        namespace, value = data.get("namespace"), data.get("value")
        if namespace and value:
            try:
                data["value"] = normalize_identity(namespace, value)
            except ValueError as exc:
                self.add_error("value", str(exc))
        return data


class IdentityInline(admin.TabularInline):
    model = Identity
    form = IdentityForm
    extra = 1
    fields = ("namespace", "value")


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "email",
        "city",
        "birth_year",
        "consent_email",
        "consent_push",
        "consent_sms",
        "is_test",
        "updated_at",
    )
    list_filter = (CityFilter, "is_test", "consent_email", "consent_push", "consent_sms")
    search_fields = ("first_name", "last_name")  # see get_search_results
    search_help_text = "Email, CRM id or phone (the start is enough), or first / last name."
    inlines = [IdentityInline]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("first_name", "last_name"),
                    ("city", "birth_year"),
                    "timezone",
                    "is_test",
                )
            },
        ),
        (
            "Channels",
            {"fields": ("phone", "push_tokens", ("consent_email", "consent_push", "consent_sms"))},
        ),
        ("Custom attributes", {"fields": ("attributes",)}),
        ("History", {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("identities")

    def save_related(self, request, form, formsets, change):
        """Edits here are profile changes too: publish them like the write services do."""
        super().save_related(request, form, formsets, change)
        profile_id = form.instance.pk
        transaction.on_commit(lambda: profile_changes.publish([profile_id]))

    def delete_model(self, request, obj):
        profiles_delete(profile_ids=[obj.pk])

    def delete_queryset(self, request, queryset):
        profiles_delete(profile_ids=list(queryset.values_list("pk", flat=True)))

    def get_search_results(self, request, queryset, search_term):
        """The profile list's matcher: identity value or name prefix, index-backed."""
        if not search_term.strip():
            return queryset, False
        return queryset.filter(search_q(search_term)), False

    @admin.display(description="email")
    def email(self, profile: Profile) -> str:
        return next((i.value for i in profile.identities.all() if i.namespace == "email"), "—")


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    form = IdentityForm
    list_display = ("value", "namespace", "profile")
    list_filter = ("namespace",)
    search_fields = ("value",)
    search_help_text = "Start of the value (emails are stored lower-case)."
    list_select_related = ("profile",)
    raw_id_fields = ("profile",)
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(value__startswith=term) | queryset.filter(
            value__startswith=term.lower()
        ), False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = (
        "filename",
        "status",
        "processed_rows",
        "created_count",
        "updated_count",
        "error_count",
        "created_by",
        "created_at",
    )
    list_filter = ("status",)
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request):
        return False
