"""Driving the canvas with the mouse in real Chromium, shared by the canvas's and test mode's
browser tests: drop activities from the palette, fill the side panel (waiting for each save),
connect paths, and build the entire seed journey the way a marketer does."""

from __future__ import annotations

from tests.conftest import screenshot


def drop(page, activity: str, slot: str, expect_node: str) -> None:
    """Drag `activity` from the palette onto `slot`; its settings panel opens."""
    page.drag_and_drop(f".cv-palette [data-palette-type={activity}]", slot)
    page.wait_for_selector(f".cv-panel-inner[data-selected-node={expect_node}]")
    page.wait_for_selector(f"#node-{expect_node}.is-selected")


def saved(page, action) -> None:
    """Do something in the side panel and wait until the server answered the save."""
    try:
        with page.expect_response(
            lambda r: "/save/" in r.url and r.request.method == "POST"
        ) as info:
            action()
    except Exception:
        screenshot(page, "debug-failure")
        raise
    assert info.value.status == 200, info.value.text()
    page.wait_for_selector(".cv-panel-inner .cv-saved")


def type_in(page, selector: str, text: str) -> None:
    saved(page, lambda: (page.fill(selector, text), page.press(selector, "Tab")))


def connect(page, source: str, port: str, target: str) -> None:
    """Drag from a node's output handle onto another node."""
    handle = page.locator(f"#node-{source} .cv-port-handle[data-port={port}]")
    box = handle.bounding_box()
    goal = page.locator(f"#node-{target}").bounding_box()
    with page.expect_response(lambda r: "/edges/connect/" in r.url) as info:
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(goal["x"] + goal["width"] / 2, goal["y"] + goal["height"] / 2, steps=12)
        page.mouse.up()
    assert info.value.status == 200
    page.wait_for_selector(
        f'.cv-edge[data-from="{source}"][data-to="{target}"][data-port="{port}"]', state="attached"
    )


def show_everything(page) -> None:
    if page.locator("[data-close-panel]").count():
        page.click("[data-close-panel]")
    page.click("[data-zoom=fit]")


def build_seed_journey(page, *, audience: str, name: str = "Multi-channel welcome") -> None:
    """On the canvas of an empty journey (the page is already there): the whole seed journey
    with the mouse — read audience `audience`, the first message (email + push), two reaction
    paths (the second through "+"), a one-day timeout with its path and a reminder email, the
    purchase event joined by the three paths, the thank-you push. Node ids as the canvas gives
    them: read_audience, message, reaction (push), reaction_2 (email), message_2 (reminder),
    event (purchase), message_3 (thanks)."""
    page.wait_for_selector(".cv-start")
    # Properties: name and namespace.
    page.click("#canvas-properties-btn")
    page.wait_for_selector("#properties-form")
    with page.expect_response(lambda r: "/properties/" in r.url and r.request.method == "POST"):
        page.fill("#p-name", name)
        page.press("#p-name", "Tab")
    with page.expect_response(lambda r: "/properties/" in r.url and r.request.method == "POST"):
        page.fill("#p-namespace", "email")
        page.press("#p-namespace", "Tab")
    assert page.inner_text("#canvas-journey-name") == name

    # 1. Read audience.
    drop(page, "read_audience", ".cv-start", "read_audience")
    saved(page, lambda: page.select_option("#f-audience", label=audience))
    assert audience in page.inner_text("#node-read_audience")

    # 2. The first message, email and push.
    drop(page, "message", ".cv-slot[data-after=read_audience]", "message")
    type_in(page, "#f-email\\.subject", "Welcome, {{ profile.first_name | default('there') }}!")
    type_in(
        page, "#f-email\\.html", "<p>Hi {{ profile.first_name }}, our new collection is in.</p>"
    )
    type_in(page, "#f-email\\.text", "Hi {{ profile.first_name }}, our new collection is in.")
    page.click(".cv-tab[data-tab=push]")
    saved(page, lambda: page.check("#f-channel\\.push"))
    type_in(page, "#f-push\\.title", "New collection")
    type_in(page, "#f-push\\.body", "Come and see what's new")
    saved(page, lambda: page.fill("#f-label", "First message") or page.press("#f-label", "Tab"))

    # 3. Two reaction paths: one after the message, the second through "+" on the message.
    drop(page, "reaction", ".cv-slot[data-after=message][data-port=default]", "reaction")
    saved(page, lambda: page.click("label.cv-choice:has-text('Push opened')"))
    page.hover("#node-message")
    with page.expect_response(lambda r: "branch=message" in r.url):
        page.click("#node-message .cv-node-plus")
    page.wait_for_selector(".cv-slot.is-branch[data-after=message]")
    screenshot(page, "canvas-build-1-new-path")
    drop(page, "reaction", ".cv-slot.is-branch[data-after=message]", "reaction_2")
    assert page.is_checked(
        "input[name=reaction_pick][value='email:opened']"
    )  # the message's first channel
    # 4. A one-day timeout on it: a Timeout path appears.
    saved(page, lambda: page.check("#f-timeout__on"))
    assert (
        page.input_value("#f-timeout__value") == "1"
        and page.input_value("#f-timeout__unit") == "days"
    )
    page.wait_for_selector(".cv-slot[data-after=reaction_2][data-port=timeout]")

    # 5. The reminder email on the timeout path.
    drop(page, "message", ".cv-slot[data-after=reaction_2][data-port=timeout]", "message_2")
    type_in(page, "#f-email\\.subject", "Did you see our new collection?")
    type_in(page, "#f-email\\.html", "<p>In case you missed it: the new collection.</p>")
    type_in(page, "#f-email\\.text", "In case you missed it: the new collection.")
    saved(page, lambda: page.fill("#f-label", "Reminder") or page.press("#f-label", "Tab"))

    # 6. The purchase event after "push opened", then the two other paths joined on it.
    drop(page, "event", ".cv-slot[data-after=reaction][data-port=default]", "event")
    saved(page, lambda: page.select_option("#f-event", "purchase"))
    show_everything(page)
    connect(page, "reaction_2", "default", "event")
    connect(page, "message_2", "default", "event")
    page.click("[data-zoom=fit]")  # the joins moved the event one column right

    # 7. The thank-you push after the purchase.
    drop(page, "message", ".cv-slot[data-after=event][data-port=default]", "message_3")
    saved(page, lambda: page.uncheck("#f-channel\\.email"))
    page.click(".cv-tab[data-tab=push]")
    saved(page, lambda: page.check("#f-channel\\.push"))
    type_in(page, "#f-push\\.title", "Thank you")
    type_in(page, "#f-push\\.body", "Thanks for your purchase, {{ profile.first_name }}!")


def validate(page) -> None:
    """Validate: the alerts panel opens and shows no errors."""
    show_everything(page)
    page.click("#canvas-validate-btn")
    page.wait_for_selector(".cv-alerts.is-open .cv-validated")
    assert page.locator(".cv-alert.is-error").count() == 0
    assert "No errors" in page.inner_text(".cv-alerts-toggle")
    assert page.locator(".cv-node-alert.is-error").count() == 0
