"""Profile pages: list (search, filters, paging), detail with registered panels, admin."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string

from audiences import panels
from audiences.services.profiles import profiles_upsert_batch

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    result = profiles_upsert_batch(
        items=[
            {
                "identities": {"email": "ana@example.com", "crm_id": "C-1"},
                "attributes": {
                    "first_name": "Ana",
                    "last_name": "Garcia",
                    "city": "Atlanta",
                    "birth_year": 1985,
                    "tier": "gold",
                },
                "consent": {"email": True},
            },
            {
                "identities": {"email": "ben@example.com"},
                "attributes": {"first_name": "Ben", "last_name": "Smith", "city": "Seattle"},
                "is_test": True,
            },
            {
                "identities": {"crm_id": "C-3"},
                "attributes": {"first_name": "Chloé", "last_name": "Dubois", "city": "Paris"},
                "push_tokens": ["device-abc"],
            },
        ]
    )
    return dict(zip(["ana", "ben", "chloe"], result.ids, strict=True))


def names_listed(html: str) -> set[str]:
    return {name for name in ("Ana Garcia", "Ben Smith", "Chloé Dubois") if name in html}


def test_list_shows_profiles_with_count_and_city_choices(logged_client, people):
    response = logged_client.get("/profiles/")
    html = response.content.decode()
    assert response.status_code == 200
    assert names_listed(html) == {"Ana Garcia", "Ben Smith", "Chloé Dubois"}
    assert "3 profiles" in html
    assert '<option value="Paris"' in html and '<option value="Atlanta"' in html
    assert 'class="active">Profiles</a>' in html  # the nav highlights Profiles


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "ana@ex"}, {"Ana Garcia"}),
        ({"q": "C-3"}, {"Chloé Dubois"}),
        ({"q": "smi"}, {"Ben Smith"}),
        ({"q": "chloé dub"}, {"Chloé Dubois"}),
        ({"city": "Seattle"}, {"Ben Smith"}),
        ({"test": "test"}, {"Ben Smith"}),
        ({"test": "real"}, {"Ana Garcia", "Chloé Dubois"}),
        ({"q": "zzz"}, set()),
    ],
)
def test_list_search_and_filters(logged_client, people, params, expected):
    html = logged_client.get("/profiles/", params).content.decode()
    assert names_listed(html) == expected
    if not expected:
        assert "No profile matches" in html


def test_htmx_search_returns_only_the_results_region(logged_client, people):
    response = logged_client.get("/profiles/", {"q": "ben"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="profile-results"')
    assert '<nav class="nav"' not in html
    assert names_listed(html) == {"Ben Smith"}


def test_list_pages_by_id_without_counting_everything(logged_client):
    profiles_upsert_batch(
        items=[
            {"identities": {"crm_id": f"P{i:03d}"}, "attributes": {"last_name": f"Person{i:03d}"}}
            for i in range(120)
        ]
    )
    first = logged_client.get("/profiles/").content.decode()
    assert "Person119" in first and "Person070" in first and "Person069" not in first
    assert "Older →" in first and "← Newer" not in first
    older_href = first.split('href="?after=')[1].split('"')[0]
    second = logged_client.get(f"/profiles/?after={older_href}").content.decode()
    assert "Person069" in second and "Person020" in second and "Person070" not in second
    assert "← Newer" in second
    newer_href = second.split('href="?before=')[1].split('"')[0]
    back = logged_client.get(f"/profiles/?before={newer_href}").content.decode()
    assert "Person119" in back and "Person070" in back and "Person069" not in back


def test_detail_shows_identities_attributes_consent_and_tokens(logged_client, people):
    html = logged_client.get(f"/profiles/{people['ana']}/").content.decode()
    for text in (
        "Ana Garcia",
        "ana@example.com",
        "C-1",
        "Atlanta",
        "1985",
        "tier",
        "gold",
        'Email <span class="muted">allowed',
    ):
        assert text in html
    chloe = logged_client.get(f"/profiles/{people['chloe']}/").content.decode()
    assert "device-abc" in chloe
    ben = logged_client.get(f"/profiles/{people['ben']}/").content.decode()
    assert "Test profile" in ben
    assert logged_client.get("/profiles/999999/").status_code == 404


def test_detail_shows_registered_panels_and_survives_a_broken_one(logged_client, people):
    def journeys_panel(request, profile):
        return (
            render_to_string("audiences/profiles/_import_status.html", {"job": {"status": "done"}})
            + f"<p>runs of {profile.first_name}</p>"
        )

    def broken_panel(request, profile):
        raise RuntimeError("boom")

    panels.register("Runs (test)", journeys_panel, order=1)
    panels.register("Broken (test)", broken_panel, order=2)
    panels.register("Nothing (test)", lambda request, profile: None)
    try:
        html = logged_client.get(f"/profiles/{people['ana']}/").content.decode()
    finally:
        for title in ("Runs (test)", "Broken (test)", "Nothing (test)"):
            panels.unregister(title)
    assert "<h3>Runs (test)</h3>" in html and "<p>runs of Ana</p>" in html
    assert "<h3>Broken (test)</h3>" in html and "could not be loaded" in html
    assert "<h3>Nothing (test)</h3>" not in html
    assert html.index("<h3>Runs (test)</h3>") < html.index("<h3>Broken (test)</h3>")


def test_pages_need_a_login(client, people):
    for url in ("/profiles/", f"/profiles/{people['ana']}/", "/profiles/import/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_admin_lists_searches_and_filters_profiles(logged_client, people):
    listing = logged_client.get("/admin/audiences/profile/").content.decode()
    assert names_listed(listing) == {"Ana Garcia", "Ben Smith", "Chloé Dubois"}
    searched = logged_client.get("/admin/audiences/profile/", {"q": "ben@"}).content.decode()
    assert names_listed(searched) == {"Ben Smith"}
    by_city = logged_client.get("/admin/audiences/profile/", {"city": "Paris"}).content.decode()
    assert names_listed(by_city) == {"Chloé Dubois"}
    tests = logged_client.get("/admin/audiences/profile/", {"is_test__exact": "1"}).content.decode()
    assert names_listed(tests) == {"Ben Smith"}
    change = logged_client.get(f"/admin/audiences/profile/{people['ana']}/change/").content.decode()
    assert "ana@example.com" in change  # the identity inline
    identities = logged_client.get("/admin/audiences/identity/", {"q": "C-"}).content.decode()
    assert "C-1" in identities and "C-3" in identities and "ben@example.com" not in identities


def test_admin_edit_normalises_identities_and_publishes_the_change(
    logged_client, people, django_capture_on_commit_callbacks
):
    from audiences import profile_changes
    from audiences.models import Identity

    received: list[list[int]] = []
    profile_changes.subscribe(received.append)
    ana = people["ana"]
    identities = list(Identity.objects.filter(profile_id=ana).order_by("namespace"))
    form = {
        "first_name": "Ana",
        "last_name": "Garcia",
        "city": "Denver",
        "birth_year": "1985",
        "timezone": "",
        "phone": "",
        "push_tokens": "[]",
        "attributes": "{}",
        "consent_email": "on",
        "identities-TOTAL_FORMS": "3",
        "identities-INITIAL_FORMS": "2",
        "identities-MIN_NUM_FORMS": "0",
        "identities-MAX_NUM_FORMS": "1000",
        "identities-2-namespace": "phone",
        "identities-2-value": "+1 404 555 0199",
    }
    for index, identity in enumerate(identities):
        form |= {
            f"identities-{index}-id": str(identity.pk),
            f"identities-{index}-profile": str(ana),
            f"identities-{index}-namespace": identity.namespace,
            f"identities-{index}-value": identity.value.upper()
            if identity.namespace == "email"
            else identity.value,
        }
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = logged_client.post(f"/admin/audiences/profile/{ana}/change/", form)
    finally:
        profile_changes.unsubscribe(received.append)
    assert response.status_code == 302, response.content.decode()[:3000]
    stored = dict(Identity.objects.filter(profile_id=ana).values_list("namespace", "value"))
    assert stored == {"email": "ana@example.com", "crm_id": "C-1", "phone": "+14045550199"}
    assert received == [[ana]]

    bad = form | {"identities-2-value": "call me"}
    response = logged_client.post(f"/admin/audiences/profile/{ana}/change/", bad)
    assert (
        response.status_code == 200
        and "is not an international phone number" in response.content.decode()
    )
