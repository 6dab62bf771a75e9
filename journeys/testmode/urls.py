"""Web routes of test mode and reports (in the `journeys` namespace, from journeys/urls.py)."""

from django.urls import path

from journeys.reports import views as report_views

from . import views

base = "journeys/canvas/<int:version_id>/test/"
urlpatterns = [
    path(base + "toggle/", views.toggle, name="test_toggle"),
    path(base + "live/", views.live, name="test_live"),
    path(base + "enter/", views.enter, name="test_enter"),
    path(base + "trigger/", views.trigger_form, name="test_trigger_form"),
    path(base + "trigger/send/", views.trigger, name="test_trigger"),
    path(base + "reaction/", views.reaction, name="test_reaction"),
    path(
        "journeys/canvas/<int:version_id>/report/", report_views.canvas_report, name="canvas_report"
    ),
    path("journeys/<int:pk>/report/", report_views.report_page, name="report"),
]
