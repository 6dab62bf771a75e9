/* The event configuration page: the field editor, the sections that depend on the event's
 * type, and copy buttons. The server stays the source of truth: the fields travel to it as JSON
 * in a hidden input (like the rule builder's rule), and the payload preview, the identifier
 * picker and the condition builder's palette are rendered there (htmx) from the posted form.
 *
 * Steps of the field editor: read the rows -> write `[{path, type, required}]` into the hidden
 * input -> dispatch `fields-change` (bubbling) so the preview and the condition builder refresh.
 */
(function () {
  "use strict";

  function initFieldEditor(editor) {
    const rows = editor.querySelector("[data-field-rows]");
    const value = editor.querySelector("[data-fields-value]");
    const template = editor.querySelector("[data-field-template]");
    const empty = editor.querySelector("[data-fields-empty]");

    const paletteOf = (fields) => JSON.stringify(fields.filter((f) => f.path).map((f) => [f.path, f.type]));
    let palette = paletteOf(JSON.parse(value.value || "[]"));

    function serialise() {
      const fields = Array.from(rows.querySelectorAll("[data-field-row]")).map((row) => ({
        path: row.querySelector('[data-part="path"]').value.trim(),
        type: row.querySelector('[data-part="type"]').value,
        required: row.querySelector('[data-part="required"]').checked,
      }));
      const json = JSON.stringify(fields);
      empty.hidden = fields.length > 0;
      if (json === value.value) return;
      value.value = json;
      editor.dispatchEvent(new CustomEvent("fields-change", { bubbles: true, detail: { fields } }));
      // The condition builder is rebuilt only when the fields it offers change.
      if (paletteOf(fields) !== palette) {
        palette = paletteOf(fields);
        editor.dispatchEvent(new CustomEvent("palette-change", { bubbles: true, detail: { fields } }));
      }
    }

    editor.querySelector("[data-add-field]").addEventListener("click", () => {
      rows.appendChild(template.content.cloneNode(true));
      const added = rows.lastElementChild;
      added.querySelector('[data-part="path"]').focus();
      serialise();
    });
    rows.addEventListener("click", (event) => {
      const remove = event.target.closest("[data-remove-field]");
      if (!remove) return;
      remove.closest("[data-field-row]").remove();
      serialise();
    });
    rows.addEventListener("input", serialise);
    rows.addEventListener("change", serialise);
    editor.closest("form").addEventListener("submit", serialise);
  }

  /* Sections marked data-show-when="type=unitary" show only while that radio is checked. */
  function initConditionalSections(form) {
    function refresh() {
      form.querySelectorAll("[data-show-when]").forEach((section) => {
        const [name, wanted] = section.dataset.showWhen.split("=");
        const checked = form.querySelector(`input[name="${name}"]:checked`)
          || form.querySelector(`input[type=hidden][name="${name}"]`);
        section.hidden = !checked || checked.value !== wanted;
      });
    }
    form.addEventListener("change", (event) => {
      if (event.target.type === "radio") refresh();
    });
    refresh();
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
    return Promise.resolve();
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy-target]");
    if (!button) return;
    const source = document.querySelector(button.dataset.copyTarget);
    if (!source) return;
    copyText(source.textContent).then(() => {
      const label = button.textContent;
      button.textContent = "Copied ✓";
      button.classList.add("ev-copied");
      setTimeout(() => {
        button.textContent = label;
        button.classList.remove("ev-copied");
      }, 1500);
    });
  });

  /* The rebuilt condition builder starts from the rule as it is when the answer arrives, not as
   * it was when the request left: edits made meanwhile are kept. */
  document.addEventListener("htmx:beforeSwap", (event) => {
    const target = event.detail.target;
    if (!target || target.id !== "condition-area") return;
    const current = target.querySelector('input[name="condition"]');
    if (!current) return;
    const answer = document.createElement("template");
    answer.innerHTML = event.detail.serverResponse;
    const incoming = answer.content.querySelector('input[name="condition"]');
    if (incoming) {
      incoming.setAttribute("value", current.value);
      event.detail.serverResponse = answer.innerHTML;
    }
  });

  document.querySelectorAll("[data-field-editor]").forEach(initFieldEditor);
  const form = document.getElementById("event-form");
  if (form) initConditionalSections(form);
})();
