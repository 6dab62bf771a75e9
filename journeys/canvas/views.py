"""The canvas (HTMX, server-rendered). Thin views: every edit calls a journeys service
(`journeys.services`) with the revision the page was drawn from, then answers with the side
panel plus out-of-band swaps of the graph, the alerts panel and the top bar — the server stays
the source of truth and the browser only redraws what it is sent.

Refusals: a stale revision (another tab saved first) → 409 and a conflict banner, the panel
keeps what was typed; a malformed value → 422 and the panel redrawn with the typed values and
the message at the field; nothing is stored in either case.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from audiences.rules.builder import trigger_rule_errors
from journeys import services
from journeys.models import Journey, JourneyVersion
from journeys.selectors import latest_version

from . import conditions, panels
from .forms import config_from_post
from .presenter import CanvasState, canvas_state

PAGE = "journeys/canvas/page.html"


def _version(version_id: int) -> JourneyVersion:
    return get_object_or_404(JourneyVersion.objects.select_related("journey"), pk=version_id)


def _revision(request) -> int | None:
    raw = request.POST.get("revision", "")
    return int(raw) if raw.isdigit() else None


def _regions(request, state: CanvasState, *, topbar: bool = False) -> str:
    """Out-of-band redraws after an edit: graph, alerts, Publish and the new revision (the
    whole top bar when the journey's name or namespace may have changed)."""
    context = {"state": state, "oob": True}
    names = (
        ("_graph", "_alerts", "_topbar", "_revision")
        if topbar
        else ("_graph", "_alerts", "_publish", "_revision")
    )
    return "".join(
        render_to_string(f"journeys/canvas/{name}.html", context, request=request) for name in names
    )


def _panel_html(
    request, state: CanvasState, node_id: str | None, *, saved: bool = False, **kwargs
) -> str:
    if node_id is None:
        return ""
    context = panels.node_panel(state, node_id, **kwargs)
    if context is None:
        return ""
    return render_to_string(
        "journeys/canvas/_panel_node.html", context | {"saved": saved}, request=request
    )


def _updated(
    request, state: CanvasState, *, node_id: str | None, status: int = 200, **panel
) -> HttpResponse:
    return HttpResponse(
        _panel_html(request, state, node_id, **panel) + _regions(request, state), status=status
    )


def _refused(request, error: services.JourneyServiceError) -> HttpResponse:
    """Conflict / not editable / no permission: a banner; the panel is left as it is."""
    html = render_to_string(
        "journeys/canvas/_conflict.html", {"message": error.message}, request=request
    )
    response = HttpResponse(html, status=error.status)
    response["HX-Retarget"] = "#canvas-conflict"
    response["HX-Reswap"] = "innerHTML"
    return response


# --- pages and fragments ---------------------------------------------------------------------


@require_GET
def canvas(request, pk: int):
    """The canvas of a journey: its latest version, or `?version=N`."""
    journey = get_object_or_404(Journey, pk=pk)
    number = request.GET.get("version", "")
    version = (
        journey.versions.filter(number=int(number)).first()
        if number.isdigit()
        else latest_version(journey)
    )
    if version is None:
        raise Http404("no such version")
    version.journey = journey
    state = canvas_state(version, user=request.user)
    return render(request, PAGE, {"state": state})


@require_GET
def graph(request, version_id: int):
    """The graph alone; `?branch=<node>` opens a new path from that node ("+")."""
    state = canvas_state(
        _version(version_id), user=request.user, branch=request.GET.get("branch") or None
    )
    return render(request, "journeys/canvas/_graph.html", {"state": state})


@require_GET
def node_panel(request, version_id: int, node_id: str):
    state = canvas_state(_version(version_id), user=request.user)
    context = panels.node_panel(state, node_id)
    if context is None:
        raise Http404("no such activity")
    return render(request, "journeys/canvas/_panel_node.html", context)


# --- edits -----------------------------------------------------------------------------------


@require_POST
def node_add(request, version_id: int):
    """Drop an activity: after a node's port, on an edge (`before`), or as the first node."""
    version = _version(version_id)
    post = request.POST
    try:
        result = services.node_add(
            journey=version.journey,
            type=post.get("type", ""),
            after=post.get("after") or None,
            port=post.get("port") or "default",
            before=post.get("before") or None,
            expected_revision=_revision(request),
            user=request.user,
        )
    except services.JourneyServiceError as error:
        return _refused(request, error)
    state = canvas_state(result.version, user=request.user, report=result.report)
    return _updated(request, state, node_id=result.node_id)


@require_POST
def node_save(request, version_id: int, node_id: str):
    """Save the side panel's form (on every change)."""
    version = _version(version_id)
    node = next((n for n in version.definition.get("nodes", []) if n.get("id") == node_id), None)
    if node is None:
        raise Http404("no such activity")
    tz = version.journey.timezone or "UTC"
    config = config_from_post(node["type"], request.POST, current=node.get("config") or {}, tz=tz)
    label = request.POST.get("label")
    ui_tab = request.POST.get("ui_tab", "")
    try:
        result = services.node_update(
            journey=version.journey,
            node_id=node_id,
            config=config,
            label=label,
            expected_revision=_revision(request),
            user=request.user,
        )
    except services.DefinitionInvalid as error:
        state = canvas_state(version, user=request.user)
        html = _panel_html(
            request,
            state,
            node_id,
            config=config,
            label=label,
            ui_tab=ui_tab,
            problems=[p for p in error.problems if p.node in (node_id, None)],
        )
        return HttpResponse(html, status=422)
    except services.JourneyServiceError as error:
        return _refused(request, error)
    drafts = {k: v for k, v in request.POST.items() if k.startswith(("email.", "push.", "sms."))}
    state = canvas_state(result.version, user=request.user, report=result.report)
    if (
        node["type"] == "condition"
        and (index := conditions.only_rules_changed(node.get("config") or {}, config)) is not None
    ):
        return _rule_saved(request, state, node_id, index)
    return _updated(request, state, node_id=node_id, ui_tab=ui_tab, drafts=drafts, saved=True)


def _rule_saved(request, state: CanvasState, node_id: str, index: int) -> HttpResponse:
    """A condition's rule was edited: keep the panel (and the focus in the builder) as it is,
    redraw the canvas regions and show the rule's errors in its builder."""
    context = panels.node_panel(state, node_id)
    errors = conditions.rule_errors(context["errors"] if context else {}, index)
    response = HttpResponse(_regions(request, state))
    response["HX-Reswap"] = "none"
    return trigger_rule_errors(
        response, builder_id=conditions.builder_id(node_id, index), errors=errors
    )


@require_POST
def node_delete(request, version_id: int, node_id: str):
    version = _version(version_id)
    try:
        result = services.node_delete(
            journey=version.journey,
            node_id=node_id,
            expected_revision=_revision(request),
            user=request.user,
        )
    except services.JourneyServiceError as error:
        return _refused(request, error)
    state = canvas_state(result.version, user=request.user, report=result.report)
    return _updated(request, state, node_id=None)


def _edge_edit(request, version_id: int, service) -> HttpResponse:
    version = _version(version_id)
    post = request.POST
    try:
        result = service(
            journey=version.journey,
            source=post.get("from", ""),
            target=post.get("to", ""),
            port=post.get("port") or "default",
            expected_revision=_revision(request),
            user=request.user,
        )
    except services.JourneyServiceError as error:
        return _refused(request, error)
    state = canvas_state(result.version, user=request.user, report=result.report)
    if not post.get("selected"):  # nothing was open: keep the panel closed
        return HttpResponse(_regions(request, state))
    return _updated(request, state, node_id=post["selected"])


@require_POST
def edge_connect(request, version_id: int):
    """Join a path to an existing activity (drag from a port, or "Connect to…")."""
    return _edge_edit(request, version_id, services.node_connect)


@require_POST
def edge_disconnect(request, version_id: int):
    return _edge_edit(request, version_id, services.node_disconnect)


@require_http_methods(["GET", "POST"])
def properties(request, version_id: int):
    """The journey's properties panel: name, description, namespace, re-entrance, dates, zone."""
    version = _version(version_id)
    journey = version.journey
    context = {"timezones": panels.timezones(), "namespaces": ["email", "crm_id", "phone"]}
    if request.method == "GET":
        state = canvas_state(version, user=request.user)
        return render(
            request,
            "journeys/canvas/_panel_properties.html",
            {**context, "state": state, "form": panels.properties_form(journey)},
        )
    props, form = panels.properties_from_post(request.POST, journey)
    try:
        result_version, report = services.journey_update_properties(
            journey=journey,
            name=form["name"],
            description=form["description"],
            namespace=form["namespace"],
            properties=props,
            expected_revision=_revision(request),
            user=request.user,
        )
    except services.DefinitionInvalid as error:
        state = canvas_state(version, user=request.user)
        errors: dict[str, list[str]] = {}
        for problem in error.problems:
            errors.setdefault(problem.path or "", []).append(problem.message)
        return render(
            request,
            "journeys/canvas/_panel_properties.html",
            {
                **context,
                "state": state,
                "form": form,
                "errors": errors,
                "general_errors": errors.get("", []),
            },
            status=422,
        )
    except services.JourneyServiceError as error:
        return _refused(request, error)
    state = canvas_state(result_version, user=request.user, report=report)
    html = render_to_string(
        "journeys/canvas/_panel_properties.html",
        {**context, "state": state, "form": panels.properties_form(state.journey), "saved": True},
        request=request,
    )
    return HttpResponse(html + _regions(request, state, topbar=True))


@require_POST
def validate(request, version_id: int):
    """Validate: open the alerts panel with the fresh report."""
    state = canvas_state(_version(version_id), user=request.user)
    alerts = render_to_string(
        "journeys/canvas/_alerts.html",
        {"state": state, "alerts_open": True, "validated": True},
        request=request,
    )
    graph_html = render_to_string(
        "journeys/canvas/_graph.html", {"state": state, "oob": True}, request=request
    )
    return HttpResponse(alerts + graph_html)


@require_POST
def publish(request, version_id: int):
    version = _version(version_id)
    try:
        services.journey_publish(journey=version.journey, user=request.user)
    except services.DefinitionInvalid:
        state = canvas_state(version, user=request.user)
        response = HttpResponse(
            render_to_string(
                "journeys/canvas/_alerts.html",
                {"state": state, "alerts_open": True, "validated": True},
                request=request,
            ),
            status=422,
        )
        response["HX-Retarget"], response["HX-Reswap"] = "#canvas-alerts", "outerHTML"
        return response
    except services.JourneyServiceError as error:
        return _refused(request, error)
    return HttpResponseClientRedirect(reverse("journeys:canvas", args=[version.journey_id]))


@require_POST
def new_version(request, version_id: int):
    version = _version(version_id)
    try:
        created = services.journey_new_version(journey=version.journey, user=request.user)
    except services.JourneyServiceError as error:
        return _refused(request, error)
    url = reverse("journeys:canvas", args=[version.journey_id]) + f"?version={created.number}"
    return HttpResponseClientRedirect(url)
