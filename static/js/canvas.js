/* The journey canvas: the little JavaScript HTMX cannot do. The server stays the source of
 * truth: every change is a POST (through htmx) answered with redrawn fragments.
 *
 * - pan (drag the background, wheel) and zoom (ctrl/⌘ + wheel, buttons, fit);
 * - drag an activity from the palette onto a drop slot (HTML5 drag and drop), or click a slot
 *   to pick one from a menu;
 * - drag from a node's port handle onto another node to connect them;
 * - selection highlight, panel close, alerts toggle, message tabs.
 */
(function () {
  "use strict";

  const app = document.getElementById("canvas-app");
  if (!app) return;
  const viewport = document.getElementById("canvas-viewport");
  const world = document.getElementById("canvas-world");
  const zoomLabel = document.getElementById("canvas-zoom-level");
  const quick = document.getElementById("canvas-quick-add");
  const editable = !app.classList.contains("is-readonly");
  const panel = document.getElementById("canvas-panel");

  // 409 (conflict), 422 (refused value) and 403 (permission) carry fragments to show.
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "(409|422|403)", swap: true, error: false },
    { code: "[45]..", swap: false, error: true },
  ];

  // --- pan and zoom -------------------------------------------------------------------------
  const view = { x: 0, y: 0, scale: 1 };
  const MIN_SCALE = 0.25, MAX_SCALE = 2;

  function apply() {
    world.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
    if (zoomLabel) zoomLabel.textContent = Math.round(view.scale * 100) + "%";
  }

  function zoomAt(scale, cx, cy) {
    scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
    const wx = (cx - view.x) / view.scale, wy = (cy - view.y) / view.scale;
    view.scale = scale;
    view.x = cx - wx * scale;
    view.y = cy - wy * scale;
    apply();
  }

  function graphSize() {
    const graph = document.getElementById("canvas-graph");
    return { w: +graph.dataset.width || 600, h: +graph.dataset.height || 400 };
  }

  // Fit the whole journey, but never below a readable zoom: a wide journey starts at its
  // entry (left) and the rest is a pan away. `all` fits everything whatever the zoom.
  const READABLE = 0.7;
  function fit(all) {
    const { w, h } = graphSize();
    const vw = viewport.clientWidth, vh = viewport.clientHeight;
    const scale = Math.min(1, (vw - 24) / w, (vh - 80) / h);
    view.scale = Math.max(all === true ? MIN_SCALE : READABLE, Math.min(1, scale));
    view.x = Math.max(0, (vw - w * view.scale) / 2);
    view.y = Math.max(0, (vh - 60 - h * view.scale) / 3);
    apply();
  }

  function centerOn(nodeId) {
    const node = document.getElementById("node-" + nodeId);
    if (!node) return;
    const nx = node.offsetLeft + node.offsetWidth / 2, ny = node.offsetTop + node.offsetHeight / 2;
    view.x = viewport.clientWidth / 2 - nx * view.scale;
    view.y = viewport.clientHeight / 2 - ny * view.scale;
    apply();
  }

  // Keep a node (and the drop slot just after it) on screen after an edit.
  function ensureVisible(node) {
    const v = viewport.getBoundingClientRect(), r = node.getBoundingClientRect();
    const pad = 40, slotRoom = 110 * view.scale;
    let dx = 0, dy = 0;
    if (r.right + slotRoom > v.right - pad) dx = v.right - pad - slotRoom - r.right;
    if (r.left + dx < v.left + pad) dx = v.left + pad - r.left;
    if (r.bottom > v.bottom - pad) dy = v.bottom - pad - r.bottom;
    if (r.top + dy < v.top + pad) dy = v.top + pad - r.top;
    if (dx || dy) { view.x += dx; view.y += dy; apply(); }
  }

  viewport.addEventListener("wheel", (event) => {
    event.preventDefault();
    const rect = viewport.getBoundingClientRect();
    if (event.ctrlKey || event.metaKey) {
      zoomAt(view.scale * Math.exp(-event.deltaY * 0.0025), event.clientX - rect.left, event.clientY - rect.top);
    } else {
      view.x -= event.deltaX; view.y -= event.deltaY; apply();
    }
  }, { passive: false });

  let pan = null;
  viewport.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 || event.target.closest(".cv-node, .cv-drop, .cv-edge-mid, .cv-edge-label, button, a, .cv-port")) return;
    pan = { x: event.clientX, y: event.clientY, vx: view.x, vy: view.y, moved: false };
    viewport.setPointerCapture(event.pointerId);
  });
  viewport.addEventListener("pointermove", (event) => {
    if (!pan) return;
    const dx = event.clientX - pan.x, dy = event.clientY - pan.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) { pan.moved = true; viewport.classList.add("is-panning"); }
    view.x = pan.vx + dx; view.y = pan.vy + dy; apply();
  });
  viewport.addEventListener("pointerup", () => { pan = null; viewport.classList.remove("is-panning"); });

  app.querySelectorAll("[data-zoom]").forEach((button) => button.addEventListener("click", () => {
    const cx = viewport.clientWidth / 2, cy = viewport.clientHeight / 2;
    const how = button.dataset.zoom;
    if (how === "in") zoomAt(view.scale * 1.2, cx, cy);
    else if (how === "out") zoomAt(view.scale / 1.2, cx, cy);
    else if (how === "reset") zoomAt(1, cx, cy);
    else fit(true);
  }));

  // --- requests -------------------------------------------------------------------------------
  function post(url, values, source) {
    return htmx.ajax("POST", url, { source: source || app, target: "#canvas-panel", swap: "innerHTML", values });
  }

  function addActivity(type, slot) {
    const values = { type, after: slot.dataset.after || "", port: slot.dataset.port || "default" };
    if (slot.dataset.before) values.before = slot.dataset.before;
    if (slot.dataset.branch) values.branch = "1";
    return post(app.dataset.addUrl, values, slot);
  }

  // --- drag from the palette onto a slot ------------------------------------------------------
  let dragged = null;
  document.addEventListener("dragstart", (event) => {
    const item = event.target.closest && event.target.closest("[data-palette-type]");
    if (!item || !editable) return;
    dragged = { type: item.dataset.paletteType, entry: item.dataset.entry === "1", item };
    event.dataTransfer.setData("text/plain", dragged.type);
    event.dataTransfer.effectAllowed = "copy";
    item.classList.add("is-dragging");
    document.body.classList.add("is-dragging");
    if (!dragged.entry) document.body.classList.add("is-dragging-exit");
  });
  document.addEventListener("dragend", () => {
    if (dragged) dragged.item.classList.remove("is-dragging");
    dragged = null;
    document.body.classList.remove("is-dragging", "is-dragging-exit");
    app.querySelectorAll(".cv-drop.is-over").forEach((el) => el.classList.remove("is-over"));
  });
  app.addEventListener("dragover", (event) => {
    const slot = event.target.closest(".cv-drop");
    if (!slot || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    slot.classList.add("is-over");
  });
  app.addEventListener("dragleave", (event) => {
    const slot = event.target.closest(".cv-drop");
    if (slot && !slot.contains(event.relatedTarget)) slot.classList.remove("is-over");
  });
  app.addEventListener("drop", (event) => {
    const slot = event.target.closest(".cv-drop");
    if (!slot) return;
    event.preventDefault();
    const type = (dragged && dragged.type) || event.dataTransfer.getData("text/plain");
    slot.classList.remove("is-over");
    if (type) addActivity(type, slot);
  });

  // --- click a slot: pick an activity from a menu ---------------------------------------------
  let quickSlot = null;
  function openQuick(slot) {
    if (!quick) return;
    quickSlot = slot;
    const isStart = slot.dataset.slot === "start";
    // The start slot takes an entry activity; every other slot, anything but an entry.
    quick.querySelectorAll("[data-quick-type]").forEach((b) => { b.hidden = isStart !== (b.dataset.entry === "1"); });
    quick.querySelectorAll(".cv-quick-group").forEach((g) => { g.hidden = !g.querySelector("[data-quick-type]:not([hidden])"); });
    quick.hidden = false;
    const r = slot.getBoundingClientRect();
    const top = Math.min(r.bottom + 6, window.innerHeight - quick.offsetHeight - 10);
    quick.style.left = Math.min(r.left, window.innerWidth - 270) + "px";
    quick.style.top = Math.max(10, top) + "px";
    const first = quick.querySelector("[data-quick-type]:not([hidden])");
    if (first) first.focus();
  }
  function closeQuick() { if (quick) quick.hidden = true; quickSlot = null; }
  app.addEventListener("click", (event) => {
    const slot = event.target.closest(".cv-slot, .cv-start.cv-drop, .cv-slot-edge");
    if (slot && editable) { event.stopPropagation(); openQuick(slot); return; }
    const pick = event.target.closest("[data-quick-type]");
    if (pick && quickSlot) { addActivity(pick.dataset.quickType, quickSlot); closeQuick(); return; }
    if (quick && !quick.hidden && !event.target.closest("#canvas-quick-add")) closeQuick();
  });
  app.addEventListener("keyup", (event) => {
    if (event.key === "Enter" && event.target.matches(".cv-slot")) openQuick(event.target);
  });

  // --- connect: drag from a port handle onto another node -------------------------------------
  let link = null;
  function worldPoint(clientX, clientY) {
    const r = world.getBoundingClientRect();
    return { x: (clientX - r.left) / view.scale, y: (clientY - r.top) / view.scale };
  }
  app.addEventListener("pointerdown", (event) => {
    const handle = event.target.closest(".cv-port-handle");
    if (!handle || event.button !== 0) return;
    event.preventDefault();
    event.stopPropagation();
    const node = handle.closest(".cv-node");
    const hr = handle.getBoundingClientRect();
    const start = worldPoint(hr.left + hr.width / 2, hr.top + hr.height / 2);
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("class", "cv-edges cv-connect-overlay");
    svg.style.zIndex = 5;
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("class", "cv-connect-line");
    svg.appendChild(path);
    world.appendChild(svg);
    handle.classList.add("is-active");
    link = { from: node.dataset.nodeId, port: handle.dataset.port, start, svg, path, handle, over: null };
    document.body.classList.add("is-connecting");
  }, true);
  document.addEventListener("pointermove", (event) => {
    if (!link) return;
    const p = worldPoint(event.clientX, event.clientY);
    const bend = Math.max(40, (p.x - link.start.x) / 2);
    link.path.setAttribute("d", `M${link.start.x},${link.start.y} C${link.start.x + bend},${link.start.y} ${p.x - bend},${p.y} ${p.x},${p.y}`);
    const under = document.elementFromPoint(event.clientX, event.clientY);
    const target = under && under.closest(".cv-node");
    const over = target && target.dataset.nodeId !== link.from ? target : null;
    if (link.over !== over) {
      if (link.over) link.over.classList.remove("is-connect-target");
      if (over) over.classList.add("is-connect-target");
      link.over = over;
    }
  });
  document.addEventListener("pointerup", () => {
    if (!link) return;
    const { from, port, over } = link;
    link.svg.remove();
    link.handle.classList.remove("is-active");
    if (over) over.classList.remove("is-connect-target");
    document.body.classList.remove("is-connecting");
    link = null;
    // The panel stays as it was (refreshed), whatever was selected.
    const inner = panel.querySelector("[data-selected-node]");
    const values = { from, port, to: over ? over.dataset.nodeId : "", selected: inner ? inner.dataset.selectedNode : "" };
    if (over) post(app.dataset.connectUrl, values);
  });

  // --- edges: hovering the line shows its insert / delete buttons --------------------------
  // They stay a moment after the pointer leaves the line, so it can travel to them.
  let unhover = null;
  function clearEdgeHover(except) {
    app.querySelectorAll(".cv-edge.is-hover, .cv-edge-mid.is-hover").forEach((el) => {
      if (el.dataset.edge !== except) el.classList.remove("is-hover");
    });
  }
  app.addEventListener("mouseover", (event) => {
    if (!event.target.closest) return;
    if (event.target.closest(".cv-edge-mid")) { clearTimeout(unhover); unhover = null; return; }
    const edge = event.target.classList.contains("cv-edge-hit") ? event.target.closest(".cv-edge") : null;
    if (edge) {
      clearTimeout(unhover); unhover = null;
      clearEdgeHover(edge.dataset.edge);
      edge.classList.add("is-hover");
      const mid = app.querySelector(`.cv-edge-mid[data-edge="${edge.dataset.edge}"]`);
      if (mid) mid.classList.add("is-hover");
    } else if (!unhover && app.querySelector(".cv-edge.is-hover")) {
      unhover = setTimeout(() => { clearEdgeHover(null); unhover = null; }, 1500);
    }
  });

  // --- panel, selection, alerts, tabs ---------------------------------------------------------
  let alertsOpen = false;

  function syncSelection() {
    const inner = panel.querySelector("[data-selected-node]");
    const selected = inner ? inner.dataset.selectedNode : "";
    panel.classList.toggle("is-empty", !panel.children.length);
    app.querySelectorAll(".cv-node.is-selected").forEach((n) => n.classList.remove("is-selected"));
    if (selected) {
      const node = document.getElementById("node-" + selected);
      if (node) { node.classList.add("is-selected"); return node; }
    }
    return null;
  }

  function syncAlerts() {
    const alerts = document.getElementById("canvas-alerts");
    if (!alerts) return;
    if (alerts.classList.contains("is-open")) alertsOpen = true;
    else if (alertsOpen) alerts.classList.add("is-open");
  }

  app.addEventListener("click", (event) => {
    if (event.target.closest("[data-close-panel]")) {
      panel.innerHTML = "";
      syncSelection();
      return;
    }
    const toggle = event.target.closest("[data-toggle-alerts]");
    if (toggle) {
      const alerts = toggle.closest(".cv-alerts");
      alertsOpen = alerts.classList.toggle("is-open");
      toggle.setAttribute("aria-expanded", alertsOpen ? "true" : "false");
      return;
    }
    const focus = event.target.closest("[data-focus-node]");
    if (focus) centerOn(focus.dataset.focusNode);
    const tab = event.target.closest(".cv-tab");
    if (tab) {
      const form = tab.closest("form");
      form.querySelectorAll(".cv-tab").forEach((t) => { t.classList.toggle("is-on", t === tab); t.setAttribute("aria-selected", t === tab); });
      form.querySelectorAll(".cv-tabpanel").forEach((p) => p.classList.toggle("is-on", p.dataset.tabpanel === tab.dataset.tab));
      const hidden = form.querySelector("[name=ui_tab]");
      if (hidden) hidden.value = tab.dataset.tab;
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    if (quick && !quick.hidden) closeQuick();
    else if (!event.target.closest("input, textarea, select") && panel.children.length) { panel.innerHTML = ""; syncSelection(); }
  });

  document.body.addEventListener("htmx:afterSettle", (event) => {
    const node = syncSelection();
    syncAlerts();
    if (node && event.detail.target === panel) ensureVisible(node);
  });
  document.body.addEventListener("htmx:oobAfterSwap", () => { syncAlerts(); });

  apply();
  fit();
  syncSelection();
  window.sentierCanvas = { fit, centerOn, view, refresh: () => htmx.ajax("GET", app.dataset.graphUrl, { target: "#canvas-graph", swap: "outerHTML" }) };
})();
