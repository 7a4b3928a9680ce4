// Block Kit to DOM, for what Signoff sends: section (text, fields, button accessory), header, context,
// divider, actions (buttons with styles, links and confirm dialogs), image, and a modal's input blocks.
"use strict";

function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "html") node.innerHTML = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of [].concat(children)) if (child) node.append(child);
  return node;
}

function textObject(obj, names, tag = "div", cls = "") {
  if (!obj) return null;
  if (obj.type === "mrkdwn") return el(tag, { class: `mrkdwn ${cls}`, html: mrkdwn(obj.text, names) });
  const plain = obj.emoji === false ? obj.text : String(obj.text || "").replace(/:([a-z0-9_+-]+):/g, (w, n) => EMOJI[n] || w);
  return el(tag, { class: `plain ${cls}`, text: plain });
}

// onAction(blockIndex, element) is called for a button press, after any confirm dialog said yes.
function renderBlocks(blocks, names, onAction) {
  const box = el("div", { class: "blocks" });
  (blocks || []).forEach((block, index) => {
    const node = renderBlock(block, index, names, onAction);
    if (node) box.append(node);
  });
  return box;
}

function renderBlock(block, index, names, onAction) {
  switch (block.type) {
    case "section": {
      const node = el("div", { class: "block section", "data-block-id": block.block_id });
      const body = el("div", { class: "section-body" }, [textObject(block.text, names)]);
      if (block.fields) body.append(el("div", { class: "fields" }, block.fields.map((f) => textObject(f, names))));
      node.append(body);
      if (block.accessory) node.append(renderElement(block.accessory, index, names, onAction));
      return node;
    }
    case "header":
      return el("div", { class: "block header" }, [textObject(block.text, names, "h2")]);
    case "divider":
      return el("hr", { class: "block divider" });
    case "context":
      return el("div", { class: "block context" }, (block.elements || []).map((e) => e.type === "image"
        ? el("img", { src: e.image_url, alt: e.alt_text || "", class: "context-image" })
        : textObject(e, names, "span")));
    case "actions":
      return el("div", { class: "block actions", "data-block-id": block.block_id },
        (block.elements || []).map((e) => renderElement(e, index, names, onAction)));
    case "image":
      return el("figure", { class: "block image" }, [el("img", { src: block.image_url, alt: block.alt_text || "" }),
        block.title ? textObject(block.title, names, "figcaption") : null]);
    case "input":
      return renderInput(block, names);
    default:
      return el("div", { class: "block unknown", text: `[${block.type} block]` });
  }
}

function renderElement(element, blockIndex, names, onAction) {
  if (element.type !== "button") return el("span", { class: "unknown", text: `[${element.type}]` });
  const button = el("button", {
    type: "button", class: `button ${element.style || "default"}`, "data-action-id": element.action_id,
  }, [textObject(element.text, names, "span")]);
  button.addEventListener("click", async () => {
    if (element.confirm && !(await confirmDialog(element.confirm, names, element.style))) return;
    if (element.url) window.open(element.url, "_blank", "noopener");
    button.disabled = true;
    try { await onAction(blockIndex, element); } finally { button.disabled = false; }
  });
  return button;
}

function renderInput(block, names) {
  const element = block.element || {};
  const id = `input-${block.block_id}`;
  const attrs = { id, name: block.block_id, "data-block-id": block.block_id, "data-optional": block.optional ? "1" : null,
    maxlength: element.max_length, minlength: element.min_length,
    placeholder: element.placeholder ? element.placeholder.text : null };
  const field = element.multiline ? el("textarea", { ...attrs, rows: 8 }) : el("input", { ...attrs, type: "text" });
  field.value = element.initial_value || "";
  return el("div", { class: "block input", "data-block-id": block.block_id }, [
    el("label", { for: id }, [textObject(block.label, names, "span"),
      block.optional ? el("span", { class: "optional", text: " (optional)" }) : null]),
    field,
    block.hint ? textObject(block.hint, names, "div", "hint") : null,
    el("div", { class: "input-error", role: "alert" }),
  ]);
}

// Slack's confirm dialog: title, text, a confirm button (red when style is danger) and a deny button.
function confirmDialog(confirm, names, style) {
  return new Promise((resolve) => {
    const overlay = document.getElementById("confirm-overlay") || document.body.appendChild(
      el("div", { id: "confirm-overlay", class: "overlay" }));
    const done = (answer) => { overlay.hidden = true; overlay.replaceChildren(); resolve(answer); };
    const danger = confirm.style === "danger" || (!confirm.style && style === "danger");
    overlay.replaceChildren(el("div", { class: "dialog confirm", role: "dialog", "aria-modal": "true" }, [
      el("h2", {}, [textObject(confirm.title || { type: "plain_text", text: "Are you sure?" }, names, "span")]),
      textObject(confirm.text, names),
      el("div", { class: "dialog-buttons" }, [
        el("button", { type: "button", class: "button default", onclick: () => done(false) },
          [textObject(confirm.deny || { type: "plain_text", text: "Cancel" }, names, "span")]),
        el("button", { type: "button", class: `button ${danger ? "danger" : "primary"}`, "data-confirm": "1",
          onclick: () => done(true) }, [textObject(confirm.confirm || { type: "plain_text", text: "Yes" }, names, "span")]),
      ]),
    ]));
    overlay.hidden = false;
  });
}
