"""Every page needs a login: the web UI redirects to the login page, the API answers 401/403
through DRF, and only explicitly public paths (tracking links, unsubscribe, login) are open."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

PUBLIC_PREFIXES = (
    "/accounts/login/",
    "/admin/",  # the admin has its own login
    "/api/",  # DRF authenticates (token or session) and answers 401/403
    "/static/",
    "/t/",  # signed tracking links and unsubscribe pages (no login by design)
    "/healthz",
)


class LoginRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if not request.user.is_authenticated and not path.startswith(PUBLIC_PREFIXES):
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)
