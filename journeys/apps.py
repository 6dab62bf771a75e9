from django.apps import AppConfig
from django.db.models.signals import post_migrate


class JourneysConfig(AppConfig):
    name = "journeys"
    verbose_name = "Journeys"

    def ready(self) -> None:
        from journeys.periodic import sync_periodic_tasks

        post_migrate.connect(sync_periodic_tasks, sender=self)

        from django.db.backends.signals import connection_created

        from journeys.sql import install_sqlite_functions

        connection_created.connect(install_sqlite_functions)

        # The engine: its Celery tasks, admin, activity run hooks and subscriptions.
        from journeys.engine import admin as engine_admin  # noqa: F401
        from journeys.engine import runners, subscriptions, tasks  # noqa: F401
        from journeys.engine.storage import tune_tables

        post_migrate.connect(tune_tables, sender=self)
        runners.install()
        subscriptions.connect()

        # Event configurations used by journeys: live ones accept only safe edits.
        from events.usage import register_usage_provider
        from journeys.event_usage import journeys_using

        register_usage_provider(journeys_using)

        # Audiences read by journeys cannot be deleted.
        from audiences.usage import register_usage_provider as register_audience_usage_provider
        from journeys.audience_usage import journeys_using_audiences

        register_audience_usage_provider(journeys_using_audiences)

        from journeys.reports.decorations import register as register_report_decorations

        register_report_decorations()  # counts on the canvas's node cards
