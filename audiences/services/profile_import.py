"""CSV import of profiles: the upload page and `manage.py import_profiles` both end here, and
every chunk of rows goes through `profiles_upsert_batch(partial=True)` — the batch API's path.

Columns: email, crm_id (identities; `identity.<namespace>` for others), phone, first_name,
last_name, city, birth_year, timezone, consent_email, consent_push, consent_sms, is_test,
push_tokens (`;`-separated); any other column is a custom attribute. Comma, semicolon or tab
separated, UTF-8 (a BOM is fine). Row numbers in errors are the file's line numbers (header = 1).

Small files import during the request; larger ones run in a Celery task (`import_job_run`),
which commits each chunk with the job's progress, counts and errors in one transaction, so a
worker that dies resumes after the last chunk without doubling anything.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audiences.models import ImportJob

from .profile_input import CUSTOM_KEY_RE
from .profiles import MAX_BATCH, profiles_upsert_batch

logger = logging.getLogger(__name__)

IDENTITY_COLUMNS = ("email", "crm_id")
IDENTITY_PREFIX = "identity."
STRING_COLUMNS = ("first_name", "last_name", "city", "timezone")
CONSENT_COLUMNS = {"consent_email": "email", "consent_push": "push", "consent_sms": "sms"}
KNOWN_COLUMNS = frozenset(
    {
        *IDENTITY_COLUMNS,
        *STRING_COLUMNS,
        *CONSENT_COLUMNS,
        "phone",
        "birth_year",
        "is_test",
        "push_tokens",
    }
)
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "t", "x", "oui"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "f", "non"})
MAX_STORED_ERRORS = 1000


def inline_max_rows() -> int:
    """Files up to this many rows import during the upload request; larger ones in a task."""
    return getattr(settings, "PROFILE_IMPORT_INLINE_MAX_ROWS", 2000)


class ImportFileError(Exception):
    """The whole file is unusable (encoding, no header, no identity column)."""


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


# --- Jobs -------------------------------------------------------------------------------------


def import_job_create(*, upload: UploadedFile, user=None) -> ImportJob:
    """Store the upload, estimate its rows, then import it now (small) or queue the task."""
    job = ImportJob(filename=Path(upload.name or "profiles.csv").name[:255], created_by=user)
    job.total_rows = max(0, _count_lines(upload) - 1)
    upload.seek(0)
    job.file.save(job.filename, upload, save=False)
    job.save()
    if job.total_rows <= inline_max_rows():
        import_job_run(job_id=job.pk)
    else:
        from audiences.tasks import import_profiles_task

        transaction.on_commit(lambda: import_profiles_task.delay(job.pk))
    job.refresh_from_db()
    return job


def import_file(*, path: str | Path, user=None) -> ImportJob:
    """`manage.py import_profiles`: import a file from disk now, recorded as a job."""
    path = Path(path)
    with path.open("rb") as raw:
        total = max(
            0, sum(chunk.count(b"\n") for chunk in iter(lambda: raw.read(1 << 20), b"")) - 1
        )
    job = ImportJob.objects.create(filename=path.name[:255], total_rows=total, created_by=user)
    with path.open("rb") as raw:
        _run(job, raw)
    job.refresh_from_db()
    return job


def import_job_run(*, job_id: int) -> None:
    """The background unit of work: claim the job (queued, or running after a lost worker),
    import its file from `processed_rows` on, delete the stored file when done."""
    claimed = ImportJob.objects.filter(
        pk=job_id, status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]
    ).update(status=ImportJob.Status.RUNNING, started_at=timezone.now())
    if not claimed:
        return
    job = ImportJob.objects.get(pk=job_id)
    try:
        with job.file.open("rb") as raw:
            _run(job, raw)
    except FileNotFoundError:
        _fail(job, "The uploaded file is no longer available.")
    job.refresh_from_db()
    if not job.is_active and job.file:
        job.file.delete(save=True)


def _run(job: ImportJob, raw: IO[bytes]) -> None:
    try:
        for chunk in _chunks(raw, skip=job.processed_rows, size=_chunk_size(job.total_rows)):
            _import_chunk(job, chunk)
    except ImportFileError as exc:
        _fail(job, str(exc))
        return
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE, finished_at=timezone.now()
    )


def _fail(job: ImportJob, message: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, message=message, finished_at=timezone.now()
    )


def _chunk_size(total_rows: int) -> int:
    """At least ~20 progress steps on mid-sized files, at most one batch per chunk."""
    return max(100, min(MAX_BATCH, total_rows // 20 or 100))


@dataclass
class _Chunk:
    rows: list[tuple[int, dict[str, str]]]  # (line number, row)
    lines_read: int  # data lines consumed, blank ones included (resume point)


def _import_chunk(job: ImportJob, chunk: _Chunk) -> None:
    """One transaction: the chunk's profiles, and the job's progress, counts and errors."""
    errors: list[RowError] = []
    items, line_numbers = [], []
    for line, row in chunk.rows:
        item, row_errors = csv_row_to_item(row, line)
        errors += row_errors
        if item is not None:
            items.append(item)
            line_numbers.append(line)
    with transaction.atomic():
        created = updated = 0
        if items:
            result = profiles_upsert_batch(items=items, partial=True)
            created, updated = result.created, result.updated + result.unchanged
            errors += [_row_error(e.field, e.message, line_numbers) for e in result.errors]
        locked = ImportJob.objects.select_for_update().only("errors").get(pk=job.pk)
        stored = locked.errors + [e.as_dict() for e in sorted(errors, key=lambda e: e.row)]
        ImportJob.objects.filter(pk=job.pk).update(
            processed_rows=F("processed_rows") + chunk.lines_read,
            created_count=F("created_count") + created,
            updated_count=F("updated_count") + updated,
            error_count=F("error_count") + len({e.row for e in errors}),
            errors=stored[:MAX_STORED_ERRORS],
        )


def _row_error(field_path: str, message: str, line_numbers: list[int]) -> RowError:
    """`items[4].attributes.birth_year` -> (row of item 4, column `birth_year`)."""
    head, _, rest = field_path.partition("].")
    index = int(head.removeprefix("items[")) if head.startswith("items[") else 0
    return RowError(line_numbers[index], column_of(rest or field_path), message)


def column_of(payload_path: str) -> str:
    """The CSV column a payload path came from."""
    section, _, name = payload_path.partition(".")
    if section == "identities":
        return (
            name
            if name in IDENTITY_COLUMNS
            else f"{IDENTITY_PREFIX}{name}"
            if name
            else "email/crm_id"
        )
    if section == "attributes":
        return name
    if section == "consent":
        return f"consent_{name}"
    return payload_path.split("[")[0]


# --- Reading the file ------------------------------------------------------------------------


def _count_lines(upload: UploadedFile) -> int:
    count = 0
    last = b""
    for block in upload.chunks():
        count += block.count(b"\n")
        last = block
    return count + (1 if last and not last.endswith(b"\n") else 0)


def _chunks(raw: IO[bytes], *, skip: int, size: int) -> Iterator[_Chunk]:
    """Rows as dicts keyed by normalised header names, `size` at a time, after `skip` lines."""
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    try:
        sample = text.readline()
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            "The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again."
        ) from exc
    delimiter = _delimiter(sample)
    header = [
        h.strip().lower().replace(" ", "_")
        for h in next(csv.reader([sample], delimiter=delimiter), [])
    ]
    _check_header(header)
    reader = csv.reader(text, delimiter=delimiter)
    rows: list[tuple[int, dict[str, str]]] = []
    lines = 0
    try:
        for record in reader:
            lines += 1
            if lines <= skip:
                continue
            if any(cell.strip() for cell in record):
                rows.append((reader.line_num + 1, dict(zip(header, record, strict=False))))
            if lines - skip >= size and (lines - skip) % size == 0:
                yield _Chunk(rows, size)
                rows = []
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"Line {reader.line_num + 2} is not UTF-8 text; nothing after it was imported."
        ) from exc
    remainder = (lines - skip) % size if lines > skip else 0
    if rows or remainder:
        yield _Chunk(rows, remainder)


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _check_header(header: list[str]) -> None:
    if not any(header):
        raise ImportFileError(
            "The file is empty: the first line must name the columns (email, crm_id, first_name, …)."
        )
    if not any(h in IDENTITY_COLUMNS or h.startswith(IDENTITY_PREFIX) for h in header):
        raise ImportFileError(
            "No identity column: the first line must name an `email` or `crm_id` column."
        )
    for name in header:
        custom = name and name not in KNOWN_COLUMNS and not name.startswith(IDENTITY_PREFIX)
        if custom and not CUSTOM_KEY_RE.match(name):
            raise ImportFileError(
                f"Column “{name}” cannot be an attribute name: start with a letter, "
                "use letters, digits, _ . - (at most 100)."
            )
    duplicates = sorted({h for h in header if h and header.count(h) > 1})
    if duplicates:
        raise ImportFileError(f"Column named twice: {', '.join(duplicates)}.")


def csv_row_to_item(row: dict[str, str], line: int) -> tuple[dict | None, list[RowError]]:
    """One CSV row as an upsert payload (the values the payload validator then checks).
    Typed cells are converted here: blank means "not given", numbers and booleans parsed."""
    errors: list[RowError] = []
    identities: dict[str, str] = {}
    attributes: dict[str, Any] = {}
    consent: dict[str, Any] = {}
    item: dict[str, Any] = {}
    for column, raw_value in row.items():
        value = (raw_value or "").strip()
        if not column or not value:
            continue
        if column in IDENTITY_COLUMNS:
            identities[column] = value
        elif column.startswith(IDENTITY_PREFIX):
            identities[column.removeprefix(IDENTITY_PREFIX)] = value
        elif column in STRING_COLUMNS:
            attributes[column] = value
        elif column == "birth_year":
            attributes["birth_year"] = int(value) if value.isdigit() else value
        elif column in CONSENT_COLUMNS:
            consent[CONSENT_COLUMNS[column]] = _boolean(value)
        elif column == "is_test":
            item["is_test"] = _boolean(value)
        elif column == "phone":
            item["phone"] = value
        elif column == "push_tokens":
            item["push_tokens"] = [t.strip() for t in value.split(";") if t.strip()]
        else:
            attributes[column] = value
    if not identities:
        errors.append(RowError(line, "email", "No identity: give an email or a crm_id."))
        return None, errors
    item["identities"] = identities
    if attributes:
        item["attributes"] = attributes
    if consent:
        item["consent"] = consent
    return item, errors


def _boolean(value: str) -> bool | str:
    lowered = value.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    return value  # left as text: the validator names the column
