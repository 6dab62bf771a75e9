"""Web pages of `audiences`: profiles and audiences (server-rendered, HTMX)."""

from django.urls import path

from . import views

app_name = "audiences"
urlpatterns: list = [
    path("audiences/", views.audience_list, name="list"),
    path("profiles/", views.profile_list, name="profile_list"),
]
