"""`python manage.py import_profiles <file.csv>`: import profiles from a CSV file now.

Same path as the upload page (audiences.services.profile_import); prints counts and the rows
that were refused (row number, column, message). Exits with status 1 if the file is unusable.
"""

from django.core.management.base import BaseCommand, CommandError

from audiences.models import ImportJob
from audiences.services.profile_import import import_file


class Command(BaseCommand):
    help = "Import profiles from a CSV file (email, crm_id, first_name, city, birth_year, …)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="CSV file: a header line, then one profile per line")
        parser.add_argument(
            "--max-errors", type=int, default=50, help="How many refused rows to list (default 50)"
        )

    def handle(self, *args, path: str, max_errors: int, **options):
        try:
            job = import_file(path=path)
        except FileNotFoundError as exc:
            raise CommandError(f"No such file: {path}") from exc
        if job.status == ImportJob.Status.FAILED:
            raise CommandError(job.message)
        self.stdout.write(
            f"{_count(job.processed_rows, 'row')} read: {_count(job.created_count, 'profile')} created, "
            f"{job.updated_count} updated, {_count(job.error_count, 'row')} refused."
        )
        for error in job.errors[:max_errors]:
            self.stdout.write(f"  row {error['row']}, {error['field']}: {error['message']}")
        if job.error_count > max_errors:
            self.stdout.write(f"  … and more (see import #{job.pk} at /profiles/import/{job.pk}/)")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
