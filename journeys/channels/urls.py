"""Web routes of the channels, included by journeys/urls.py (namespace `journeys`)."""

from django.urls import path

from . import tracking_views, views

urlpatterns = [
    path("messages/", views.message_log, name="message_log"),
    path("messages/<int:message_id>/", views.message_detail, name="message_detail"),
    # public, signed (config/middleware.py leaves /t/ open)
    path("t/o/<str:token>/", tracking_views.track_open, name="track_open"),
    path("t/c/<str:token>/", tracking_views.track_click, name="track_click"),
    path("t/p/<str:token>/", tracking_views.track_push_open, name="track_push_open"),
    path("t/u/<str:token>/", tracking_views.unsubscribe, name="unsubscribe"),
]
