"""Profiles in real Chromium: search as you type, the detail page, and a CSV upload imported
by a real Celery worker with the progress bar and the refused-rows report."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from audiences.services.profiles import profiles_upsert_batch
from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = [
    ("Ana", "Garcia", "Atlanta", 1985, True),
    ("Ben", "Smith", "Seattle", 1979, False),
    ("Chloé", "Dubois", "Paris", 1992, False),
    ("David", "Kim", "San Francisco", 1968, False),
    ("Emma", "Rossi", "Boston", 2001, False),
    ("Farid", "Okafor", "Atlanta", 1990, False),
]


@pytest.fixture
def people():
    items = [
        {
            "identities": {"email": f"{first.lower()}@example.com", "crm_id": f"C-{i}"},
            "attributes": {
                "first_name": first,
                "last_name": last,
                "city": city,
                "birth_year": year,
                "timezone": "America/New_York",
                "loyalty_tier": "gold",
            },
            "push_tokens": [f"device-{first.lower()}"] if i % 2 else [],
            "phone": f"+1404555{i:04d}",
            "consent": {"email": True, "push": bool(i % 2), "sms": i % 3 == 0},
            "is_test": is_test,
        }
        for i, (first, last, city, year, is_test) in enumerate(PEOPLE)
    ]
    return profiles_upsert_batch(items=items).ids


def test_search_and_open_a_profile(page, people):
    page.goto("/profiles/")
    expect(page.locator(".profile-results h3")).to_have_text("6 profiles")
    screenshot(page, "profiles_list")
    page.fill("#profile-q", "chlo")
    expect(page.locator(".profile-table tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=chlo"))
    page.fill("#profile-q", "")
    page.select_option("#profile-city", "Atlanta")
    expect(page.locator(".profile-table tbody tr")).to_have_count(2)
    page.click("text=Ana Garcia")
    expect(page.locator("h1")).to_contain_text("Ana Garcia")
    expect(page.locator("body")).to_contain_text("ana@example.com")
    expect(page.locator("body")).to_contain_text("loyalty_tier")
    screenshot(page, "profile_detail")


@pytest.mark.worker
def test_upload_a_large_csv_follows_progress_and_lists_refused_rows(
    page, celery_worker, settings, tmp_path
):
    settings.PROFILE_IMPORT_INLINE_MAX_ROWS = 100  # anything bigger goes to the worker
    lines = ["email,first_name,last_name,city,birth_year,consent_email"]
    lines += [f"person{i}@example.com,Person,N{i},Seattle,{1950 + i % 50},yes" for i in range(4000)]
    lines += ["not-an-email,Bad,Row,Paris,1980,yes", "late@example.com,Late,Row,Paris,1850,maybe"]
    path = tmp_path / "customers.csv"
    path.write_text("\n".join(lines) + "\n")

    page.goto("/profiles/import/")
    screenshot(page, "profiles_import_form")
    page.set_input_files("#id_file", str(path))
    expect(page.locator("[data-file-name]")).to_have_text("customers.csv")
    page.click("button:has-text('Import')")
    expect(page.locator("h1")).to_have_text("customers.csv")
    expect(page.locator("[role=progressbar]")).to_be_visible()
    expect(page.locator("#import-progress")).to_have_attribute(
        "data-status", "done", timeout=60_000
    )
    expect(page.locator(".import-stats")).to_contain_text("4,000")
    errors = page.locator(".import-errors tbody tr")
    expect(errors).to_have_count(3)
    expect(errors.nth(0)).to_contain_text("4002")
    expect(errors.nth(0)).to_contain_text("not a valid email address")
    expect(page.locator(".import-errors")).to_contain_text("birth_year")
    expect(page.locator(".import-errors")).to_contain_text("consent_email")
    screenshot(page, "profiles_import_done")

    page.click("text=See profiles")
    expect(page.locator(".profile-results h3")).to_have_text("4,000 profiles")
