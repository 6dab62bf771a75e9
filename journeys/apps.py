from django.apps import AppConfig
from django.db.models.signals import post_migrate


class JourneysConfig(AppConfig):
    name = "journeys"
    verbose_name = "Journeys"

    def ready(self) -> None:
        from journeys.periodic import sync_periodic_tasks

        post_migrate.connect(sync_periodic_tasks, sender=self)
