"""CSV import of profiles: the upload page and `manage.py import_profiles` both end here, and
every chunk of rows goes through the batch API's path in its two halves,
`profiles_validate_batch` and `profiles_upsert_validated(partial=True)`.

Columns: email, crm_id (identities; `identity.<namespace>` for others), phone, first_name,
last_name, city, birth_year, timezone, consent_email, consent_push, consent_sms, is_test,
push_tokens (`;`-separated); any other column is a custom attribute. Comma, semicolon or tab
separated, UTF-8 (a BOM is fine). Row numbers in errors are the file's line numbers (header = 1).

Small files import during the request; larger ones run in a Celery task (`import_job_run`),
which commits each chunk with the job's progress, counts and errors in one transaction, so a
worker that dies resumes after the last chunk without doubling anything. A helper thread reads
and validates the next chunk while the current one is written (`_run`).
"""

from __future__ import annotations

import csv
import gc
import io
import logging
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
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
from .profiles import (
    MAX_BATCH,
    ValidatedBatch,
    profiles_upsert_validated,
    profiles_validate_batch,
)

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
    """Import the file from `processed_rows` on, chunk by chunk. A helper thread reads and
    validates chunk n+1 (pure Python, no database) while this thread writes chunk n: psycopg
    lets go of the GIL while the server works. At most one chunk is read ahead, and only what
    this thread commits counts as processed."""
    chunks = _chunks(raw, skip=job.processed_rows, size=_chunk_size(job.total_rows))
    try:
        with (
            _import_runtime(),
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="profile-import") as reader,
        ):
            pending = reader.submit(_prepare_next, chunks)
            while (prepared := pending.result()) is not None:
                pending = reader.submit(_prepare_next, chunks)
                _import_chunk(job, prepared)
    except ImportFileError as exc:
        _fail(job, str(exc))
        return
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE, finished_at=timezone.now()
    )


# While imports run, the process is tuned for them (the last one to end restores it):
# - a 0.5 ms GIL switch interval (default 5 ms): the writer gets the GIL back soon after each
#   of its ~12 round trips a chunk, instead of waiting out the reader's time slice each time;
# - no cyclic garbage collection: a chunk's ~10 containers a row die by reference counting, but
#   their allocation set off full collections of the whole heap (~25% of the import's CPU).
#   An import leaves next to no cyclic garbage.
_SWITCH_INTERVAL = 0.0005
_runtime_lock = threading.Lock()
_runtime_users = 0
_runtime_saved = (True, 0.005)  # (gc enabled, switch interval) before the first import


@contextmanager
def _import_runtime() -> Iterator[None]:
    global _runtime_users, _runtime_saved
    with _runtime_lock:
        if _runtime_users == 0:
            _runtime_saved = (gc.isenabled(), sys.getswitchinterval())
            gc.disable()
            sys.setswitchinterval(min(_SWITCH_INTERVAL, _runtime_saved[1]))
        _runtime_users += 1
    try:
        yield
    finally:
        with _runtime_lock:
            _runtime_users -= 1
            if _runtime_users == 0:
                gc_enabled, interval = _runtime_saved
                sys.setswitchinterval(interval)
                if gc_enabled:
                    gc.enable()


def _fail(job: ImportJob, message: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, message=message, finished_at=timezone.now()
    )


def _chunk_size(total_rows: int) -> int:
    """At least ~20 progress steps on mid-sized files, at most one batch per chunk."""
    return max(100, min(MAX_BATCH, total_rows // 20 or 100))


@dataclass
class _Chunk:
    rows: list[tuple[int, list[str]]]  # (line number, cells)
    lines_read: int  # data lines consumed, blank ones included (resume point)
    columns: _Columns  # the file's header


@dataclass
class _Prepared:
    """A chunk read and validated, ready to be written."""

    lines_read: int
    batch: ValidatedBatch | None  # None: no row of the chunk had an identity
    line_numbers: list[int]  # per item of `batch`
    errors: list[RowError]  # rows refused before validation (no identity)


def _prepare_next(chunks: Iterator[_Chunk]) -> _Prepared | None:
    """The reader thread's work: the next chunk's rows as payloads, validated."""
    chunk = next(chunks, None)
    if chunk is None:
        return None
    errors: list[RowError] = []
    items, line_numbers = [], []
    for line, cells in chunk.rows:
        item = chunk.columns.item(cells)
        if item is None:
            errors.append(RowError(line, "email", "No identity: give an email or a crm_id."))
        else:
            items.append(item)
            line_numbers.append(line)
    batch = profiles_validate_batch(items=items) if items else None
    return _Prepared(chunk.lines_read, batch, line_numbers, errors)


def _import_chunk(job: ImportJob, prepared: _Prepared) -> None:
    """One transaction: the chunk's profiles, and the job's progress, counts and errors."""
    errors = list(prepared.errors)
    with transaction.atomic():
        created = updated = 0
        if prepared.batch is not None:
            result = profiles_upsert_validated(batch=prepared.batch, partial=True)
            created, updated = result.created, result.updated + result.unchanged
            errors += [_row_error(e.field, e.message, prepared.line_numbers) for e in result.errors]
        progress: dict[str, Any] = {
            "processed_rows": F("processed_rows") + prepared.lines_read,
            "created_count": F("created_count") + created,
            "updated_count": F("updated_count") + updated,
        }
        if errors:
            locked = ImportJob.objects.select_for_update().only("errors").get(pk=job.pk)
            stored = locked.errors + [e.as_dict() for e in sorted(errors, key=lambda e: e.row)]
            progress["errors"] = stored[:MAX_STORED_ERRORS]
            progress["error_count"] = F("error_count") + len({e.row for e in errors})
        ImportJob.objects.filter(pk=job.pk).update(**progress)


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
    """Non-blank rows with their line numbers, `size` lines at a time, after `skip` lines."""
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
    columns = _Columns(header)
    reader = csv.reader(text, delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    lines = 0
    try:
        for record in reader:
            lines += 1
            if lines <= skip:
                continue
            if "".join(record).strip():  # some cell is not blank
                rows.append((reader.line_num + 1, record))
            if lines - skip >= size and (lines - skip) % size == 0:
                yield _Chunk(rows, size, columns)
                rows = []
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"Line {reader.line_num + 2} is not UTF-8 text; nothing after it was imported."
        ) from exc
    remainder = (lines - skip) % size if lines > skip else 0
    if rows or remainder:
        yield _Chunk(rows, remainder, columns)


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


class _Columns:
    """What each column of a file feeds in an upsert payload, worked out once from its header
    (the per-row work is then one pass over the cells)."""

    IDENTITY, ATTRIBUTE, BIRTH_YEAR, CONSENT, IS_TEST, PHONE, PUSH_TOKENS = range(7)

    def __init__(self, header: list[str]):
        self.plan = [(index, *self._role(name)) for index, name in enumerate(header) if name]

    @classmethod
    def _role(cls, column: str) -> tuple[int, str]:
        if column in IDENTITY_COLUMNS:
            return cls.IDENTITY, column
        if column.startswith(IDENTITY_PREFIX):
            return cls.IDENTITY, column.removeprefix(IDENTITY_PREFIX)
        if column == "birth_year":
            return cls.BIRTH_YEAR, column
        if column in CONSENT_COLUMNS:
            return cls.CONSENT, CONSENT_COLUMNS[column]
        if column == "is_test":
            return cls.IS_TEST, column
        if column == "phone":
            return cls.PHONE, column
        if column == "push_tokens":
            return cls.PUSH_TOKENS, column
        return cls.ATTRIBUTE, column  # first_name, last_name, city, timezone, custom

    def item(self, cells: list[str]) -> dict | None:
        """One row as an upsert payload (the values the payload validator then checks), None
        when it has no identity. Typed cells are converted here: blank means "not given",
        numbers and booleans parsed."""
        identities: dict[str, str] = {}
        attributes: dict[str, Any] = {}
        consent: dict[str, Any] = {}
        item: dict[str, Any] = {}
        count = len(cells)
        for index, role, key in self.plan:
            if index >= count:  # a short row: the missing cells are blank
                break
            value = cells[index].strip()
            if not value:
                continue
            if role == self.ATTRIBUTE:
                attributes[key] = value
            elif role == self.IDENTITY:
                identities[key] = value
            elif role == self.CONSENT:
                consent[key] = _boolean(value)
            elif role == self.BIRTH_YEAR:
                attributes[key] = int(value) if value.isdigit() else value
            elif role == self.IS_TEST:
                item[key] = _boolean(value)
            elif role == self.PHONE:
                item[key] = value
            else:
                item[key] = [t.strip() for t in value.split(";") if t.strip()]
        if not identities:
            return None
        item["identities"] = identities
        if attributes:
            item["attributes"] = attributes
        if consent:
            item["consent"] = consent
        return item


def _boolean(value: str) -> bool | str:
    lowered = value.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    return value  # left as text: the validator names the column
