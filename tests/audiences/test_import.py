"""CSV import: the management command, the upload page (small files inline), large files in a
real Celery worker with progress, and the per-row error report."""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from audiences.models import Identity, ImportJob, Profile
from audiences.services.profile_import import import_job_run

pytestmark = pytest.mark.django_db

CSV = (
    "email,crm_id,phone,first_name,last_name,city,birth_year,timezone,consent_email,consent_push,consent_sms,is_test,push_tokens,Loyalty Tier\n"
    "Ana@Example.com,C-1,+14045550100,Ana,Garcia,Atlanta,1985,America/New_York,yes,true,0,false,tok-1;tok-2,gold\n"
    "not-an-email,C-2,,Ben,Smith,Seattle,1990,,,,,,,\n"
    "\n"
    ",,,Nobody,Known,Paris,,,,,,,,\n"
    "cleo@example.com,,,Cleo,Ray,Lyon,19x5,Mars/Base,maybe,,,,,silver\n"
    "dan@example.com,C-4,,Dan,Lee,Boston,1979,Europe/Paris,no,,,true,,\n"
)


def write(tmp_path, text, name="people.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_command_imports_valid_rows_and_lists_the_others(tmp_path, capsys):
    call_command("import_profiles", str(write(tmp_path, CSV)))
    out = capsys.readouterr().out
    assert "2 profiles created" in out and "3 rows refused" in out
    assert "row 3, email: 'not-an-email' is not a valid email address." in out
    assert "row 5, email: No identity" in out
    assert (
        "row 6, birth_year:" in out and "row 6, timezone:" in out and "row 6, consent_email:" in out
    )

    ana = Profile.objects.get(identities__value="ana@example.com")
    assert (ana.first_name, ana.city, ana.birth_year, ana.timezone) == (
        "Ana",
        "Atlanta",
        1985,
        "America/New_York",
    )
    assert (ana.consent_email, ana.consent_push, ana.consent_sms, ana.is_test) == (
        True,
        True,
        False,
        False,
    )
    assert ana.push_tokens == ["tok-1", "tok-2"] and ana.phone == "+14045550100"
    assert ana.attributes == {"loyalty_tier": "gold"}
    assert Profile.objects.get(identities__value="dan@example.com").is_test
    assert not Identity.objects.filter(value="C-2").exists()  # refused rows write nothing


def test_reimporting_updates_instead_of_duplicating(tmp_path):
    path = write(tmp_path, CSV)
    call_command("import_profiles", str(path))
    call_command("import_profiles", str(write(tmp_path, "crm_id,city\nC-1,Denver\n", "fix.csv")))
    assert Profile.objects.count() == 2
    assert Profile.objects.get(identities__value="C-1").city == "Denver"
    job = ImportJob.objects.first()
    assert (job.created_count, job.updated_count) == (0, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("first_name,city\nAna,Paris\n", "No identity column"),
        ("", "The file is empty"),
        ("email,email\na@example.com,b@example.com\n", "Column named twice"),
        ("email,Loyalty%\na@example.com,1\n", "cannot be an attribute name"),
    ],
)
def test_command_refuses_unusable_files(tmp_path, text, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_profiles", str(write(tmp_path, text)))
    assert Profile.objects.count() == 0


def test_semicolon_separated_files_with_a_bom_are_read(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffEmail;First Name;City\nana@example.com;Ana;Paris\n".encode())
    call_command("import_profiles", str(path))
    assert Profile.objects.get().first_name == "Ana"


def test_upload_page_imports_a_small_file_and_shows_the_report(logged_client, user):
    upload = SimpleUploadedFile("people.csv", CSV.encode(), content_type="text/csv")
    response = logged_client.post("/profiles/import/", {"file": upload})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert response["Location"] == f"/profiles/import/{job.pk}/"
    assert (job.status, job.created_count, job.error_count, job.created_by) == ("done", 2, 3, user)
    html = logged_client.get(response["Location"]).content.decode()
    assert "Finished" in html and "Refused rows" in html
    assert "is not a valid email address" in html and "<code>birth_year</code>" in html
    assert "hx-trigger" not in html  # nothing left to poll
    assert not job.file  # the uploaded file is not kept once imported
    listing = logged_client.get("/profiles/import/").content.decode()
    assert "people.csv" in listing and "Recent imports" in listing


def test_upload_page_refuses_a_non_csv_file(logged_client):
    upload = SimpleUploadedFile("photo.png", b"\x89PNG", content_type="image/png")
    response = logged_client.post("/profiles/import/", {"file": upload})
    assert response.status_code == 200
    assert "Choose a .csv file" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_redelivered_job_resumes_after_the_committed_rows(tmp_path, settings):
    settings.PROFILE_IMPORT_INLINE_MAX_ROWS = 0  # queue it; run the task function by hand
    rows = "".join(f"p{i}@example.com,Person{i}\n" for i in range(250))
    upload = SimpleUploadedFile("many.csv", f"email,first_name\n{rows}".encode())
    from audiences.services.profile_import import import_job_create

    job = import_job_create(upload=upload)
    assert job.status == "queued"
    # as if a worker had committed the first 100 rows, then died
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", processed_rows=100, created_count=100
    )
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.created_count) == ("done", 250, 250)
    assert Profile.objects.count() == 150  # only rows 101-250 were imported by this run
    import_job_run(job_id=job.pk)  # a late duplicate delivery does nothing
    assert Profile.objects.count() == 150


@pytest.mark.worker
def test_large_upload_runs_in_a_worker_with_progress(celery_worker, logged_client, settings):
    settings.PROFILE_IMPORT_INLINE_MAX_ROWS = 100
    rows = "".join(f"w{i}@example.com,Worker{i},{1960 + i % 40}\n" for i in range(3000))
    rows += "broken-email,Bad,1980\n"
    upload = SimpleUploadedFile("big.csv", f"email,first_name,birth_year\n{rows}".encode())
    response = logged_client.post("/profiles/import/", {"file": upload})
    job = ImportJob.objects.get()
    assert job.status in ("queued", "running")  # the worker may have picked it up already
    page = logged_client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'role="progressbar"' in page

    deadline = time.monotonic() + 60
    while job.status != "done" and time.monotonic() < deadline:
        time.sleep(0.2)
        job.refresh_from_db()
    assert job.status == "done", job.message
    assert (job.created_count, job.error_count) == (3000, 1)
    assert job.errors == [
        {"row": 3002, "field": "email", "message": "'broken-email' is not a valid email address."}
    ]
    assert Profile.objects.count() == 3000
    fragment = logged_client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in fragment and "3,000" in fragment and "Finished" in fragment


def queued_job(rows: str, header: str = "email,first_name"):
    from audiences.services.profile_import import import_job_create

    upload = SimpleUploadedFile("many.csv", f"{header}\n{rows}".encode())
    return import_job_create(upload=upload)


def test_a_crash_mid_file_resumes_after_the_last_committed_chunk(settings, monkeypatch):
    """The next chunk is read and validated ahead, in a helper thread, but only chunks that
    committed count: a worker dying on chunk 2 leaves chunk 1 done, and the redelivered task
    imports the rest once, row errors of every chunk reported with their line numbers."""
    from audiences.services import profile_import

    settings.PROFILE_IMPORT_INLINE_MAX_ROWS = 0  # queue it; run the task function by hand
    rows = [f"p{i}@example.com,Person{i}" for i in range(250)]  # chunks of 100 rows
    rows[10] = "broken-email,Bad"  # line 12, chunk 1
    rows[120] = ",Nobody"  # line 122, chunk 2
    rows[230] = "also broken,Bad"  # line 232, chunk 3
    job = queued_job("\n".join(rows) + "\n")

    real_import_chunk = profile_import._import_chunk
    calls: list[int] = []

    def dies_on_the_second_chunk(job, prepared):
        calls.append(prepared.lines_read)
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        real_import_chunk(job, prepared)

    monkeypatch.setattr(profile_import, "_import_chunk", dies_on_the_second_chunk)
    with pytest.raises(RuntimeError):
        import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.created_count, job.error_count) == (
        "running",
        100,
        99,
        1,
    )
    assert Profile.objects.count() == 99

    monkeypatch.setattr(profile_import, "_import_chunk", real_import_chunk)
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.created_count, job.error_count) == (
        "done",
        250,
        247,
        3,
    )
    assert Profile.objects.count() == 247
    assert job.errors == [
        {"row": 12, "field": "email", "message": "'broken-email' is not a valid email address."},
        {"row": 122, "field": "email", "message": "No identity: give an email or a crm_id."},
        {"row": 232, "field": "email", "message": "'also broken' is not a valid email address."},
    ]


def test_a_line_that_is_not_utf8_stops_the_import_after_the_committed_chunks(tmp_path):
    """A decoding error found by the reader thread fails the job once the chunks read before
    it are written; nothing after it is imported."""
    path = tmp_path / "mixed.csv"
    rows = "".join(f"person.number.{i}@example.com,Person{i}\n" for i in range(1500))
    path.write_bytes(f"email,first_name\n{rows}".encode() + b"caf\xe9@example.com,Bad\n")
    with pytest.raises(CommandError, match="is not UTF-8 text"):
        call_command("import_profiles", str(path))
    job = ImportJob.objects.get()
    assert job.status == "failed" and "is not UTF-8 text" in job.message
    assert 0 < job.processed_rows <= 1500 and job.processed_rows % 100 == 0
    assert Profile.objects.count() == job.created_count == job.processed_rows
