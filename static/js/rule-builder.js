/* Sentier rule builder: a reusable, framework-free component (see docs/architecture.md,
 * "The rule builder component").
 *
 * Markup comes from templates/audiences/_rule_builder.html: a root `[data-rule-builder]` with
 * a hidden input `.rb-value` (the rule, in the contract's format — the single representation),
 * a JSON config (palette fields, operators by type, initial errors), a palette of fields and a
 * workspace. Steps:
 *   1. parse the hidden input into a tree of groups and conditions;
 *   2. render the tree; fields are added by drag-and-drop, click, or keyboard (Enter);
 *   3. after every edit, write the rule back to the hidden input and dispatch `rule-change`
 *      (bubbling; detail: {rule}) so the host page can refresh previews;
 *   4. show server errors (`[{field: "rule.all[1].value", message}]`) at the offending part:
 *      from the config at load, or from a `rule-errors` event ({builder: id, errors}),
 *      e.g. sent by an htmx response header (audiences.rules.builder.trigger_rule_errors).
 */
(function () {
  "use strict";
  if (window.SentierRuleBuilder) {
    window.SentierRuleBuilder.initAll(document);
    return;
  }

  const FIELD_MIME = "application/x-sentier-field";
  const NODE_MIME = "application/x-sentier-node";
  const NO_VALUE_OPS = ["is_set", "is_not_set"];
  const LIST_OPS = ["in", "not_in"];
  const DEFAULT_OP = { string: "in", integer: "eq", number: "eq", boolean: "eq", datetime: "gt" };
  const TYPE_ICON = { string: "Aa", integer: "123", number: "1.5", boolean: "Y/N", datetime: "◷" };
  const PART_LABEL = { ".field": "Field", ".op": "Operator", ".value": "Value" };
  let lastId = 0;

  /* A tiny element builder: h("div", {class: "x", onclick: fn}, child, "text"). */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") el.className = value;
      else if (key === "text") el.textContent = value;
      else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  function newGroup(mode) {
    return { kind: "group", id: ++lastId, mode: mode || "all", negated: false, children: [] };
  }

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  /* Contract rule -> internal tree. `{"not": X}` becomes X with `negated` flipped. */
  function parseNode(node) {
    if (isObject(node) && ("all" in node || "any" in node)) {
      const mode = "all" in node ? "all" : "any";
      const group = newGroup(mode);
      group.children = Array.isArray(node[mode]) ? node[mode].map(parseNode) : [];
      return group;
    }
    if (isObject(node) && "not" in node) {
      const inner = parseNode(node.not);
      inner.negated = !inner.negated;
      return inner;
    }
    const source = isObject(node) ? node : {};
    const condition = { kind: "condition", id: ++lastId, negated: false, field: source.field, op: source.op };
    if ("value" in source) condition.value = source.value;
    return condition;
  }

  function parseNumber(text, type) {
    if (text === "" || text === null || text === undefined) return null;
    const value = Number(text);
    if (Number.isNaN(value)) return text;  // the server names the error
    return type === "integer" && Number.isInteger(value) ? Math.trunc(value) : value;
  }

  function formatCount(n) {
    return new Intl.NumberFormat().format(n);
  }

  class RuleBuilder {
    constructor(root) {
      this.root = root;
      this.input = root.querySelector("input.rb-value");
      this.workspace = root.querySelector(".rb-workspace");
      this.config = JSON.parse(document.getElementById(root.id + "-config").textContent);
      this.rootPath = this.config.path || "rule";
      this.fields = new Map(this.config.fields.map((field) => [field.name, field]));
      this.errors = this.config.errors || [];
      this.tree = this.parseRoot(this.input.value);
      this.active = this.tree;
      this.pathMap = new Map();
      this.bindPalette();
      this.render();
      this.input.value = JSON.stringify(this.serialize(this.tree, this.rootPath, new Map()));
      root.ruleBuilder = this;
    }

    parseRoot(text) {
      let rule = null;
      try { rule = JSON.parse(text || "null"); } catch (_) { rule = null; }
      if (!isObject(rule)) return newGroup("all");
      let tree = parseNode(rule);
      if (tree.kind !== "group") {
        const wrapper = newGroup("all");
        wrapper.children.push(tree);
        tree = wrapper;
      }
      return tree;
    }

    /* --- public API ------------------------------------------------------------------------ */
    getRule() { return this.serialize(this.tree, this.rootPath, new Map()); }

    setRule(rule) {
      this.tree = this.parseRoot(JSON.stringify(rule));
      this.active = this.tree;
      this.errors = [];
      this.render();
      this.changed();
    }

    showErrors(errors) {
      this.errors = errors || [];
      this.applyErrors();
    }

    /* Add a condition on `fieldName` to `group` (default: the group last worked in). */
    addField(fieldName, group) {
      const spec = this.fields.get(fieldName);
      if (!spec) return null;
      const target = group || this.active || this.tree;
      const op = DEFAULT_OP[spec.type] || "eq";
      const condition = { kind: "condition", id: ++lastId, negated: false, field: spec.name, op: op };
      condition.value = this.convertValue(spec, undefined, op);
      target.children.push(condition);
      this.active = target;
      this.structureChanged();
      this.focusNode(condition);
      return condition;
    }

    /* --- model helpers --------------------------------------------------------------------- */
    serialize(node, path, pathMap) {
      const innerPath = node.negated ? path + ".not" : path;
      pathMap.set(path, node);
      pathMap.set(innerPath, node);
      let out;
      if (node.kind === "group") {
        out = { [node.mode]: node.children.map((child, index) =>
          this.serialize(child, `${innerPath}.${node.mode}[${index}]`, pathMap)) };
      } else {
        out = { field: node.field, op: node.op };
        if (!NO_VALUE_OPS.includes(node.op)) out.value = node.value === undefined ? null : node.value;
      }
      return node.negated ? { not: out } : out;
    }

    parentOf(target, group) {
      group = group || this.tree;
      for (const child of group.children) {
        if (child === target) return group;
        if (child.kind === "group") {
          const found = this.parentOf(target, child);
          if (found) return found;
        }
      }
      return null;
    }

    findNode(id, group) {
      group = group || this.tree;
      if (group.id === id) return group;
      for (const child of group.children) {
        if (child.id === id) return child;
        if (child.kind === "group") {
          const found = this.findNode(id, child);
          if (found) return found;
        }
      }
      return null;
    }

    depthOf(target) {
      let depth = 1;
      let parent = this.parentOf(target);
      while (parent) { depth += 1; parent = this.parentOf(parent); }
      return target === this.tree ? 1 : depth;
    }

    /* The value a condition keeps when its operator changes (nothing typed is thrown away). */
    convertValue(spec, value, op) {
      const type = spec.type;
      const empty = type === "boolean" ? true : (type === "string" || type === "datetime" ? "" : null);
      const scalar = Array.isArray(value) ? (value.find((v) => v !== null && v !== "") ?? empty) : (value ?? empty);
      if (NO_VALUE_OPS.includes(op)) return undefined;
      if (LIST_OPS.includes(op)) {
        if (Array.isArray(value)) return value.filter((v) => v !== null && v !== "");
        return scalar === "" || scalar === null || type === "boolean" ? [] : [scalar];
      }
      if (op === "between") {
        if (Array.isArray(value)) return [value[0] ?? empty, value[1] ?? empty];
        return [scalar, empty];
      }
      return scalar;
    }

    /* --- change notification --------------------------------------------------------------- */
    changed() {
      const pathMap = new Map();
      const rule = this.serialize(this.tree, this.rootPath, pathMap);
      this.pathMap = pathMap;
      const text = JSON.stringify(rule);
      if (text === this.input.value) return;
      this.input.value = text;
      this.root.dispatchEvent(new CustomEvent("rule-change", { bubbles: true, detail: { rule } }));
    }

    structureChanged() {
      this.render();
      this.changed();
    }

    /* --- rendering ------------------------------------------------------------------------- */
    render() {
      this.pathMap = new Map();
      this.serialize(this.tree, this.rootPath, this.pathMap);
      const hasNested = this.tree.children.some((child) => child.kind === "group");
      this.workspace.classList.toggle("rb-nested", hasNested);
      this.workspace.replaceChildren(this.renderGroup(this.tree, null));
      this.applyErrors();
    }

    nodeElement(node) {
      return this.workspace.querySelector(`[data-node="${node.id}"]`);
    }

    focusNode(node) {
      const el = this.nodeElement(node);
      if (!el) return;
      const target = el.querySelector(".rb-value-editor input, .rb-value-editor button") || el.querySelector("select.rb-op") || el;
      target.focus();
    }

    setActive(group) {
      this.active = group;
      this.workspace.querySelectorAll(".rb-group.rb-active").forEach((el) => el.classList.remove("rb-active"));
      const el = this.nodeElement(group);
      if (el) el.classList.add("rb-active");
    }

    renderGroup(group, parent) {
      const isRoot = parent === null;
      const depth = this.depthOf(group);
      const canNest = depth < (this.config.maxDepth || 10);
      const modeButton = (mode, label) => h("button", {
        type: "button", class: "rb-seg-btn", "aria-pressed": String(group.mode === mode),
        title: mode === "all" ? "Every condition must match (AND)" : "At least one condition must match (OR)",
        onclick: () => { group.mode = mode; this.setActive(group); this.structureChanged(); },
      }, label);
      const head = h("div", { class: "rb-group-head" },
        h("span", { class: "rb-group-text" }, group.negated ? "Exclude when" : "Match"),
        h("span", { class: "rb-seg", role: "group", "aria-label": "Combine conditions with" },
          modeButton("all", "All"), modeButton("any", "Any")),
        h("span", { class: "rb-group-text" }, group.negated ? "of these conditions match" : "of these conditions"),
        h("span", { class: "rb-spacer" }),
        h("span", { class: "rb-here", title: "Fields you press in the list are added to this group" }, "adding here"),
        h("button", {
          type: "button", class: "rb-tool" + (group.negated ? " rb-tool-on" : ""), "aria-pressed": String(group.negated),
          title: "Negate: match when this group does NOT match",
          onclick: () => { group.negated = !group.negated; this.structureChanged(); },
        }, "Not"),
        h("button", {
          type: "button", class: "rb-tool rb-add-group", disabled: !canNest,
          title: canNest ? "Add a nested group (switches between AND and OR)" : "Groups nest at most 10 levels",
          onclick: () => {
            const child = newGroup(group.mode === "all" ? "any" : "all");
            group.children.push(child);
            this.active = child;
            this.structureChanged();
            const el = this.nodeElement(child);
            if (el) el.querySelector(".rb-seg-btn").focus();
          },
        }, "+ Group"),
        isRoot ? null : h("button", {
          type: "button", class: "rb-remove", "aria-label": "Remove group", title: "Remove this group",
          onclick: () => this.removeNode(group),
        }, "×"));
      const body = h("div", { class: "rb-children" });
      group.children.forEach((child, index) => {
        if (index > 0) body.append(h("div", { class: "rb-connector", "aria-hidden": "true" }, group.mode === "all" ? "AND" : "OR"));
        body.append(child.kind === "group" ? this.renderGroup(child, group) : this.renderCondition(child, group));
      });
      const empty = group.children.length === 0;
      const drop = h("div", { class: "rb-drop" + (empty ? " rb-drop-empty" : "") },
        empty && isRoot
          ? [h("strong", {}, "Drag a field here to start"), h("span", {}, "or press a field in the list — Enter works too")]
          : h("span", {}, empty ? "Drop a field here" : "Drop a field here to add it to this group"));
      const classes = ["rb-group", isRoot ? "rb-root" : "rb-nested-group", group.negated ? "rb-negated" : "",
        this.active === group ? "rb-active" : ""];
      const el = h("div", { class: classes.join(" "), "data-node": group.id, role: "group",
        "aria-label": isRoot ? "Rule" : "Group" },
      head, body, drop, h("div", { class: "rb-error", role: "alert", hidden: true }));
      // The innermost group worked in receives fields added by click or keyboard. (A click
      // that re-rendered the tree bubbles through detached elements: ignore those.)
      const activate = (event) => {
        if (el.isConnected && event.target.isConnected && event.target.closest(".rb-group") === el) this.setActive(group);
      };
      el.addEventListener("focusin", activate);
      el.addEventListener("click", activate);
      this.bindDropTarget(el, group);
      return el;
    }

    renderCondition(condition, parent) {
      const spec = this.fields.get(condition.field);
      const label = spec ? spec.label : String(condition.field);
      const type = spec ? spec.type : "string";
      const handle = h("span", { class: "rb-handle", draggable: "true", title: "Drag to move to another group", "aria-hidden": "true" });
      handle.addEventListener("dragstart", (event) => {
        event.dataTransfer.setData(NODE_MIME, String(condition.id));
        event.dataTransfer.effectAllowed = "move";
      });
      const fieldChip = h("span", { class: `rb-cond-field rb-type-${type}`, title: spec ? `${label} (${type})` : "Unknown field" },
        condition.negated ? h("button", {
          type: "button", class: "rb-not-badge", title: "Negated: press to remove NOT",
          onclick: () => { condition.negated = false; this.structureChanged(); },
        }, "NOT") : null,
        h("span", { class: "rb-type-icon", "aria-hidden": "true" }, TYPE_ICON[type] || ""),
        h("span", { class: "rb-cond-label" }, spec ? label : `Unknown field “${label}”`));
      const remove = h("button", {
        type: "button", class: "rb-remove", "aria-label": `Remove condition ${label}`, title: "Remove this condition",
        onclick: () => this.removeNode(condition),
      }, "×");
      let op = null;
      let valueEditor = h("div", { class: "rb-value-editor" });
      if (spec) {
        const ops = this.config.opsByType[type] || [];
        op = h("select", {
          class: "rb-op", "aria-label": `Operator for ${label}`,
          onchange: (event) => {
            const next = event.target.value;
            condition.value = this.convertValue(spec, condition.value, next);
            condition.op = next;
            this.clearNodeError(condition);
            this.structureChanged();
            this.focusNode(condition);
          },
        }, ops.map((name) => h("option", { value: name, selected: name === condition.op }, this.config.operators[name])));
        if (!ops.includes(condition.op)) {
          op.prepend(h("option", { value: condition.op ?? "", selected: true }, String(condition.op ?? "choose…")));
        }
        valueEditor = this.renderValue(condition, spec);
      }
      const el = h("div", { class: "rb-condition", "data-node": condition.id },
        handle, fieldChip, op || h("span"), valueEditor, remove,
        h("div", { class: "rb-error", role: "alert", hidden: true }));
      return el;
    }

    renderValue(condition, spec) {
      const editor = h("div", { class: "rb-value-editor" });
      const label = spec.label;
      const op = condition.op;
      if (NO_VALUE_OPS.includes(op)) {
        editor.append(h("span", { class: "rb-no-value" }, "no value needed"));
        return editor;
      }
      if (spec.type === "boolean") {
        const on = condition.value === true;
        const toggle = h("button", {
          type: "button", class: "rb-switch", role: "switch", "aria-checked": String(on), "aria-label": `${label} value`,
          onclick: () => {
            condition.value = !(condition.value === true);
            toggle.setAttribute("aria-checked", String(condition.value));
            text.textContent = condition.value ? "Yes" : "No";
            this.changed();
          },
        }, h("span", { class: "rb-switch-knob" }));
        const text = h("span", { class: "rb-switch-text" }, on ? "Yes" : "No");
        editor.append(toggle, text);
        return editor;
      }
      if (LIST_OPS.includes(op)) {
        editor.append(this.renderChips(condition, spec));
        return editor;
      }
      if (op === "between") {
        const values = Array.isArray(condition.value) ? condition.value : [null, null];
        condition.value = values;
        editor.classList.add("rb-between");
        editor.append(
          this.scalarInput(spec, values[0], `${label} from`, (v) => { condition.value[0] = v; }, condition),
          h("span", { class: "rb-and" }, "and"),
          this.scalarInput(spec, values[1], `${label} to`, (v) => { condition.value[1] = v; }, condition));
        return editor;
      }
      editor.append(this.scalarInput(spec, condition.value, `${label} value`, (v) => { condition.value = v; }, condition));
      return editor;
    }

    scalarInput(spec, value, ariaLabel, assign, condition) {
      const numeric = spec.type === "integer" || spec.type === "number";
      const type = numeric ? "number" : spec.type === "datetime" ? "datetime-local" : "text";
      let shown = value ?? "";
      if (spec.type === "datetime" && typeof shown === "string") shown = shown.slice(0, 16);
      const input = h("input", {
        type, class: "rb-input", value: shown, "aria-label": ariaLabel,
        step: numeric ? (spec.type === "integer" ? "1" : "any") : null,
        placeholder: numeric ? "e.g. 1980" : spec.type === "string" ? "Type a value" : null,
        autocomplete: "off",
      });
      const read = () => {
        if (numeric) return parseNumber(input.value, spec.type);
        if (spec.type === "datetime") return input.value ? `${input.value}:00+00:00` : "";
        return input.value;
      };
      input.addEventListener("input", () => { assign(read()); this.clearNodeError(condition); this.changed(); });
      input.addEventListener("keydown", (event) => { if (event.key === "Enter") event.preventDefault(); });
      if (spec.type === "string" && spec.suggestions) {
        const wrap = h("div", { class: "rb-suggest-wrap" }, input);
        this.attachSuggestions(input, spec, wrap, () => [], (picked) => {
          input.value = picked;
          assign(picked);
          this.clearNodeError(condition);
          this.changed();
        });
        return wrap;
      }
      return input;
    }

    renderChips(condition, spec) {
      if (!Array.isArray(condition.value)) condition.value = [];
      const numeric = spec.type === "integer" || spec.type === "number";
      const input = h("input", {
        type: "text", class: "rb-chip-input", autocomplete: "off", inputmode: numeric ? "numeric" : null,
        "aria-label": `${spec.label} values`,
      });
      const box = h("div", { class: "rb-chips", onclick: (event) => { if (event.target === box) input.focus(); } }, input);
      const wrap = h("div", { class: "rb-suggest-wrap" }, box);
      const redraw = () => {
        box.querySelectorAll(".rb-chip").forEach((chip) => chip.remove());
        condition.value.forEach((value, index) => {
          box.insertBefore(h("span", { class: "rb-chip" }, h("span", {}, String(value)),
            h("button", {
              type: "button", class: "rb-chip-remove", "aria-label": `Remove ${value}`,
              onclick: () => { condition.value.splice(index, 1); redraw(); this.changed(); input.focus(); },
            }, "×")), input);
        });
        input.placeholder = condition.value.length ? "Add another…" : "Type a value, press Enter";
      };
      const add = (text) => {
        const trimmed = String(text).trim();
        if (!trimmed) return false;
        const value = numeric ? parseNumber(trimmed, spec.type) : trimmed;
        if (!condition.value.includes(value)) condition.value.push(value);
        input.value = "";
        redraw();
        this.clearNodeError(condition);
        this.changed();
        return true;
      };
      let suggestions = null;
      if (spec.suggestions) {
        suggestions = this.attachSuggestions(input, spec, wrap, () => condition.value, (picked) => add(picked));
      }
      input.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === ",") {
          event.preventDefault();
          const picked = suggestions && event.key === "Enter" ? suggestions.highlighted() : null;
          add(picked !== null ? picked : input.value);
          if (suggestions) suggestions.refresh();
        } else if (event.key === "Backspace" && !input.value && condition.value.length) {
          condition.value.pop();
          redraw();
          this.changed();
        }
      });
      input.addEventListener("blur", () => { if (input.value.trim()) add(input.value); });
      redraw();
      return wrap;
    }

    /* Suggested values under an input, fetched from the field's `suggestions` URL (?q=). */
    attachSuggestions(input, spec, container, taken, pick) {
      const list = h("ul", { class: "rb-suggest", role: "listbox", id: `rb-suggest-${++lastId}`, hidden: true });
      container.append(list);
      input.setAttribute("role", "combobox");
      input.setAttribute("aria-autocomplete", "list");
      input.setAttribute("aria-controls", list.id);
      input.setAttribute("aria-expanded", "false");
      let items = [];
      let index = -1;
      let timer = null;
      let sequence = 0;
      const hide = () => { list.hidden = true; input.setAttribute("aria-expanded", "false"); index = -1; };
      const show = () => {
        list.replaceChildren(...items.map((item, i) => h("li", {
          role: "option", class: i === index ? "rb-suggest-active" : "", "aria-selected": String(i === index),
          onmousedown: (event) => { event.preventDefault(); pick(item.value); hide(); refresh(); },
        }, h("span", { class: "rb-suggest-value" }, item.value),
        item.count !== undefined ? h("span", { class: "rb-suggest-count" }, formatCount(item.count)) : null)));
        const open = items.length > 0 && document.activeElement === input;
        list.hidden = !open;
        input.setAttribute("aria-expanded", String(open));
      };
      const refresh = () => {
        clearTimeout(timer);
        timer = setTimeout(async () => {
          const mine = ++sequence;
          const url = spec.suggestions + (spec.suggestions.includes("?") ? "&" : "?") + "q=" + encodeURIComponent(input.value.trim());
          try {
            const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
            const data = await response.json();
            if (mine !== sequence) return;
            const already = taken().map(String);
            items = (data.values || []).filter((item) => !already.includes(String(item.value))).slice(0, 8);
            index = -1;
            show();
          } catch (_) {
            items = [];
            show();
          }
        }, 120);
      };
      input.addEventListener("focus", refresh);
      input.addEventListener("input", refresh);
      input.addEventListener("blur", hide);
      input.addEventListener("keydown", (event) => {
        if (list.hidden && event.key !== "ArrowDown") return;
        if (event.key === "ArrowDown" || event.key === "ArrowUp") {
          event.preventDefault();
          if (list.hidden) { show(); return; }
          const step = event.key === "ArrowDown" ? 1 : -1;
          index = items.length ? (index + step + items.length) % items.length : -1;
          show();
        } else if (event.key === "Escape") {
          event.preventDefault();
          hide();
        }
      });
      return {
        highlighted: () => (index >= 0 && items[index] && !list.hidden ? items[index].value : null),
        refresh,
      };
    }

    removeNode(node) {
      const parent = this.parentOf(node);
      if (!parent) return;
      const index = parent.children.indexOf(node);
      parent.children.splice(index, 1);
      if (this.active === node || (node.kind === "group" && !this.findNode(this.active.id))) this.active = parent;
      this.structureChanged();
      const neighbour = parent.children[Math.min(index, parent.children.length - 1)];
      const el = neighbour ? this.nodeElement(neighbour) : this.nodeElement(parent);
      const focusable = el && el.querySelector(".rb-remove, button, select");
      if (focusable) focusable.focus();
    }

    /* --- drag and drop --------------------------------------------------------------------- */
    bindPalette() {
      const search = this.root.querySelector(".rb-palette-search");
      this.root.querySelectorAll(".rb-field").forEach((button) => {
        button.addEventListener("click", () => this.addField(button.dataset.field));
        button.addEventListener("dragstart", (event) => {
          event.dataTransfer.setData(FIELD_MIME, button.dataset.field);
          event.dataTransfer.setData("text/plain", button.dataset.field);
          event.dataTransfer.effectAllowed = "copy";
          this.root.classList.add("rb-dragging");
        });
        button.addEventListener("dragend", () => this.root.classList.remove("rb-dragging"));
      });
      if (search) {
        search.addEventListener("input", () => {
          const needle = search.value.trim().toLowerCase();
          this.root.querySelectorAll(".rb-palette-group").forEach((group) => {
            let visible = 0;
            group.querySelectorAll(".rb-field").forEach((button) => {
              const match = !needle || button.textContent.toLowerCase().includes(needle);
              button.parentElement.hidden = !match;
              if (match) visible += 1;
            });
            group.hidden = visible === 0;
          });
        });
        search.addEventListener("keydown", (event) => { if (event.key === "Enter") event.preventDefault(); });
      }
    }

    bindDropTarget(el, group) {
      const accepts = (event) => {
        const types = Array.from(event.dataTransfer ? event.dataTransfer.types : []);
        return types.includes(FIELD_MIME) || types.includes(NODE_MIME);
      };
      el.addEventListener("dragover", (event) => {
        if (!accepts(event)) return;
        event.preventDefault();
        event.stopPropagation();
        event.dataTransfer.dropEffect = Array.from(event.dataTransfer.types).includes(NODE_MIME) ? "move" : "copy";
        this.workspace.querySelectorAll(".rb-dragover").forEach((other) => { if (other !== el) other.classList.remove("rb-dragover"); });
        el.classList.add("rb-dragover");
      });
      el.addEventListener("dragleave", (event) => {
        if (!el.contains(event.relatedTarget)) el.classList.remove("rb-dragover");
      });
      el.addEventListener("drop", (event) => {
        if (!accepts(event)) return;
        event.preventDefault();
        event.stopPropagation();
        el.classList.remove("rb-dragover");
        this.root.classList.remove("rb-dragging");
        const fieldName = event.dataTransfer.getData(FIELD_MIME);
        if (fieldName) {
          this.addField(fieldName, group);
          return;
        }
        const moved = this.findNode(Number(event.dataTransfer.getData(NODE_MIME)));
        const from = moved && this.parentOf(moved);
        if (!moved || !from || from === group) return;
        from.children.splice(from.children.indexOf(moved), 1);
        group.children.push(moved);
        this.active = group;
        this.structureChanged();
      });
    }

    /* --- errors ---------------------------------------------------------------------------- */
    clearNodeError(node) {
      const el = this.nodeElement(node);
      if (!el) return;
      el.classList.remove("rb-invalid");
      el.querySelectorAll(":scope > .rb-error").forEach((box) => { box.hidden = true; box.replaceChildren(); });
      el.querySelectorAll(".input-error").forEach((input) => input.classList.remove("input-error"));
    }

    /* Each error goes to the deepest node whose path prefixes the error's path. */
    applyErrors() {
      this.workspace.querySelectorAll(".rb-error").forEach((box) => { box.hidden = true; box.replaceChildren(); });
      this.workspace.querySelectorAll(".rb-invalid").forEach((el) => el.classList.remove("rb-invalid"));
      this.workspace.querySelectorAll(".input-error").forEach((el) => el.classList.remove("input-error"));
      for (const error of this.errors) {
        let path = String(error.field || "");
        let part = "";
        while (path && !this.pathMap.has(path)) {
          const match = path.match(/^(.*?)(\.[A-Za-z_]+|\[\d+\])$/);
          if (!match) { path = ""; break; }
          part = match[2];
          path = match[1];
        }
        const node = this.pathMap.get(path) || this.tree;
        const el = this.nodeElement(node);
        if (!el) continue;
        const box = el.querySelector(":scope > .rb-error");
        const prefix = node.kind === "condition" && PART_LABEL[part] ? `${PART_LABEL[part]}: ` : "";
        box.append(h("div", {}, prefix + error.message));
        box.hidden = false;
        el.classList.add("rb-invalid");
        const target = part === ".op" ? el.querySelector(":scope > .rb-op")
          : part === ".value" ? el.querySelector(":scope > .rb-value-editor .rb-input, :scope > .rb-value-editor .rb-chips")
            : null;
        if (target) target.classList.add("input-error");
      }
    }
  }

  function initAll(scope) {
    scope = scope || document;
    const roots = Array.from(scope.querySelectorAll ? scope.querySelectorAll("[data-rule-builder]") : []);
    if (scope.matches && scope.matches("[data-rule-builder]")) roots.push(scope);
    roots.forEach((root) => { if (!root.ruleBuilder) new RuleBuilder(root); });
  }

  document.addEventListener("rule-errors", (event) => {
    const detail = event.detail || {};
    const root = detail.builder ? document.getElementById(detail.builder) : null;
    if (root && root.ruleBuilder) root.ruleBuilder.showErrors(detail.errors || []);
  });
  document.addEventListener("htmx:load", (event) => initAll(event.target));
  window.SentierRuleBuilder = {
    initAll,
    get: (rootOrId) => {
      const root = typeof rootOrId === "string" ? document.getElementById(rootOrId) : rootOrId;
      return root ? root.ruleBuilder : undefined;
    },
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => initAll(document));
  else initAll(document);
})();
