"""Foundation: every page needs a login, the API needs a token, the docs are served locally."""

import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/journeys/", "/audiences/", "/events/", "/profiles/"])
def test_pages_redirect_anonymous_users_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_navigation_is_on_every_page(logged_client):
    html = logged_client.get("/journeys/").content.decode()
    for label in ("Journeys", "Audiences", "Events", "Profiles"):
        assert f">{label}</a>" in html


def test_api_refuses_anonymous_callers(client):
    response = client.get("/api/schema/")
    assert response.status_code in (401, 403)


def test_schema_and_docs_are_served_without_a_cdn(logged_client):
    schema = logged_client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"openapi" in schema.content
    docs = logged_client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs)
    assert any("swagger-ui" in url for url in assets)
    assert all(url.startswith("/") for url in assets), assets  # served here, never from a CDN
