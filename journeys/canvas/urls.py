"""URLs of the canvas (included in the `journeys` namespace by journeys/urls.py)."""

from django.urls import path

from . import views

base = "journeys/canvas/<int:version_id>/"
urlpatterns = [
    path("journeys/<int:pk>/", views.canvas, name="canvas"),
    path(base + "graph/", views.graph, name="canvas_graph"),
    path(base + "nodes/add/", views.node_add, name="canvas_add"),
    path(base + "nodes/<str:node_id>/", views.node_panel, name="canvas_node"),
    path(base + "nodes/<str:node_id>/save/", views.node_save, name="canvas_node_save"),
    path(base + "nodes/<str:node_id>/delete/", views.node_delete, name="canvas_node_delete"),
    path(base + "edges/connect/", views.edge_connect, name="canvas_connect"),
    path(base + "edges/disconnect/", views.edge_disconnect, name="canvas_disconnect"),
    path(base + "properties/", views.properties, name="canvas_properties"),
    path(base + "validate/", views.validate, name="canvas_validate"),
    path(base + "publish/", views.publish, name="canvas_publish"),
    path(base + "new-version/", views.new_version, name="canvas_new_version"),
]
