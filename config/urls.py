from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.views import home

urlpatterns = [
    path("", home, name="home"),
    path("healthz", lambda request: HttpResponse("ok"), name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include("audiences.api_urls")),
    path("api/v1/", include("events.api_urls")),
    path("api/v1/", include("journeys.api_urls")),
    path("", include("audiences.urls")),
    path("", include("events.urls")),
    path("", include("journeys.urls")),
]
