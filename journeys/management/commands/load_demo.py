"""Load the demo: profiles, the seed audience, the purchase event, the seed journey, and an
admin account whose login is printed. Idempotent: running it again duplicates nothing."""

from __future__ import annotations

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from audiences import demo as audiences_demo
from events import demo as events_demo
from journeys import demo as journeys_demo

ADMIN_USERNAME = os.environ.get("SENTIER_ADMIN_USERNAME", "admin")
ADMIN_PASSWORD = os.environ.get("SENTIER_ADMIN_PASSWORD", "sentier-demo")


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print the admin login."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            admin = self._admin()
            summary = [
                *audiences_demo.load(),
                *events_demo.load(),
                *journeys_demo.load(admin=admin),
            ]
        for line in summary:
            self.stdout.write(f"  {line}")
        self.stdout.write(
            self.style.SUCCESS(
                f"\n  Log in at http://127.0.0.1:8000/ as  {ADMIN_USERNAME} / {ADMIN_PASSWORD}\n"
            )
        )

    def _admin(self):
        user_model = get_user_model()
        admin, created = user_model.objects.get_or_create(
            username=ADMIN_USERNAME,
            defaults={"email": "admin@sentier.local", "is_staff": True, "is_superuser": True},
        )
        if created:
            admin.set_password(ADMIN_PASSWORD)
            admin.save()
        return admin
