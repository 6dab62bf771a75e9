"""Celery tasks of `audiences`: one-line wrappers over domain functions."""

from celery import shared_task

from audiences.services.profile_import import import_job_run


@shared_task(name="audiences.import_profiles")
def import_profiles_task(job_id: int) -> None:
    """Import an uploaded CSV file (resumes after the last committed chunk if redelivered)."""
    import_job_run(job_id=job_id)
