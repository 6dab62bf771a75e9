/* Test mode on the canvas: light the picked test profile's path up (read from the polled
   #tm-live region's data-flow), keep the "Trigger an event" form and its JSON view in step, and
   follow a profile that just entered. The server stays the source of truth: this only paints. */
(function () {
  "use strict";

  const FLAG_ERROR = '<svg viewBox="0 0 24 24"><path d="M12 7v6M12 17h.01"/></svg>';

  function flowData() {
    const live = document.getElementById("tm-live");
    if (!live || !live.dataset.flow) return null;
    try { return JSON.parse(live.dataset.flow); } catch (e) { return null; }
  }

  /* Paint the path: visited / current / failed nodes (numbered in the order first reached),
     the connections taken, and dim the rest. */
  function applyFlow() {
    const graph = document.getElementById("canvas-graph");
    if (!graph) return;
    graph.querySelectorAll(".tm-node-flag").forEach((el) => el.remove());
    graph.querySelectorAll(".cv-node").forEach((el) => el.classList.remove("node--visited", "node--current", "node--failed", "node--listening"));
    graph.querySelectorAll(".cv-edge.is-lit").forEach((el) => el.classList.remove("is-lit"));
    const flow = flowData();
    const nodes = (flow && flow.nodes) || {};
    const ids = Object.keys(nodes);
    graph.classList.toggle("tm-flow", ids.length > 0);
    const order = [];
    (flow && flow.edges || []).forEach(([from, to]) => {
      if (!order.includes(from)) order.push(from);
      if (!order.includes(to)) order.push(to);
      graph.querySelectorAll(`.cv-edge[data-from="${CSS.escape(from)}"][data-to="${CSS.escape(to)}"]`)
        .forEach((edge) => edge.classList.add("is-lit"));
    });
    ids.forEach((id) => { if (!order.includes(id) && nodes[id] !== "listening") order.push(id); });
    ids.forEach((id) => {
      const node = document.getElementById("node-" + id);
      if (!node) return;
      const status = nodes[id];
      node.classList.add("node--" + status);
      const flag = document.createElement("span");
      flag.className = "tm-node-flag is-" + status;
      flag.setAttribute("aria-hidden", "true");
      if (status === "failed") {
        flag.innerHTML = FLAG_ERROR;
        flag.title = "This step failed: see the log";
      } else if (status === "listening") {
        flag.textContent = "…";
        node.title = "Waiting for this to happen (the first one wins)";
      } else {
        flag.textContent = String(order.indexOf(id) + 1);
      }
      node.appendChild(flag);
    });
  }

  /* Keep <details data-keep-open> open across the 1-second redraws. */
  let openDetails = new Set();
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target && event.detail.target.id === "tm-live") {
      openDetails = new Set([...document.querySelectorAll("#tm-live details[open][data-keep-open]")].map((d) => d.dataset.keepOpen));
    }
  });
  document.addEventListener("htmx:afterSettle", () => {
    openDetails.forEach((key) => {
      const el = document.querySelector(`#tm-live details[data-keep-open="${key}"]`);
      if (el) el.open = true;
    });
    applyFlow();
  });
  document.addEventListener("DOMContentLoaded", applyFlow);

  /* --- "Trigger an event": the form and its JSON view ----------------------------------------- */
  function setPath(obj, path, value) {
    const parts = path.split(".");
    let cur = obj;
    parts.slice(0, -1).forEach((p) => { if (typeof cur[p] !== "object" || cur[p] === null) cur[p] = {}; cur = cur[p]; });
    if (value === undefined) delete cur[parts[parts.length - 1]]; else cur[parts[parts.length - 1]] = value;
  }
  function getPath(obj, path) {
    return path.split(".").reduce((cur, p) => (cur && typeof cur === "object" ? cur[p] : undefined), obj);
  }
  function inputValue(input) {
    const type = input.dataset.type;
    if (type === "boolean") return input.checked;
    if (input.value === "") return undefined;
    if (type === "number" || type === "integer") { const n = Number(input.value); return Number.isNaN(n) ? input.value : n; }
    return input.value;
  }
  function formToJson(form) {
    const area = form.querySelector("[name=payload_json]");
    let payload = {};
    try { payload = JSON.parse(area.value || "{}"); } catch (e) { payload = {}; }
    form.querySelectorAll("[data-tm-pane=form] [data-path]").forEach((input) => setPath(payload, input.dataset.path, inputValue(input)));
    area.value = JSON.stringify(payload, null, 2);
  }
  function jsonToForm(form) {
    let payload;
    try { payload = JSON.parse(form.querySelector("[name=payload_json]").value || "{}"); } catch (e) { return false; }
    form.querySelectorAll("[data-tm-pane=form] [data-path]").forEach((input) => {
      const value = getPath(payload, input.dataset.path);
      if (input.dataset.type === "boolean") input.checked = !!value;
      else if (!input.readOnly) input.value = value === undefined || value === null ? "" : value;
    });
    return true;
  }
  document.addEventListener("input", (event) => {
    const form = event.target.closest("#tm-trigger-form");
    if (form && event.target.closest("[data-tm-pane=form]")) formToJson(form);
  });
  document.addEventListener("click", (event) => {
    const tab = event.target.closest("[data-tm-tab]");
    if (!tab) return;
    const form = tab.closest("#tm-trigger-form");
    const mode = tab.dataset.tmTab;
    if (mode === "json") formToJson(form);
    else if (!jsonToForm(form)) { window.alert("The JSON is not valid: fix it or send it from the JSON view."); return; }
    form.querySelector("[name=mode]").value = mode;
    form.querySelectorAll("[data-tm-tab]").forEach((t) => { t.classList.toggle("is-active", t === tab); t.setAttribute("aria-selected", t === tab); });
    form.querySelectorAll("[data-tm-pane]").forEach((pane) => { pane.hidden = pane.dataset.tmPane !== mode; });
  });
})();
