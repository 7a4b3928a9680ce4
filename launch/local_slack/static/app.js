// The local Slack page: state arrives over server-sent events (/events), actions go to the page's
// server, which sends them to the app signed as Slack sends them.
"use strict";

const state = {
  me: new URLSearchParams(location.search).get("as") || localStorage.getItem("signoff-as") || "U_CAROL",
  people: [], channels: [], dm: "", messages: new Map(), ephemerals: [], log: [],
  current: "C_GENERAL", thread: null, view: null, source: null, refusals: [], tools: [], unread: new Set(),
};
const $ = (id) => document.getElementById(id);
const key = (channel, ts) => `${channel}/${ts}`;
const APP = "U_SIGNOFF";

const names = {
  person: (id) => id === APP ? "Signoff" : (state.people.find((p) => p.id === id) || {}).name,
  channel: (id) => (state.channels.find((c) => c.id === id) || {}).name,
};

async function post(path, body) {
  const response = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ as: state.me, ...body }) });
  return response.json().catch(() => ({ ok: false }));
}

// -- live feed ---------------------------------------------------------------------------------------
function connect() {
  if (state.source) state.source.close();
  const source = new EventSource(`/events?as=${encodeURIComponent(state.me)}`);
  state.source = source;
  source.onopen = () => { $("connection").textContent = "live"; $("connection").className = "connection live"; };
  source.onerror = () => { $("connection").textContent = "reconnecting…"; $("connection").className = "connection"; };
  source.onmessage = (event) => receive(JSON.parse(event.data));
}

function receive(event) {
  switch (event.type) {
    case "snapshot":
      state.people = event.people; state.channels = event.channels; state.dm = event.dm;
      state.messages = new Map(event.messages.map((m) => [key(m.channel, m.ts), m]));
      state.ephemerals = event.ephemerals; state.log = event.log; state.tools = event.tools || [];
      state.unread = new Set();
      if (!visibleChannel(state.current)) state.current = "C_GENERAL";
      renderAll();
      renderLog();
      if (event.view) openModal(event.view); else closeModal();
      jumpToPermalinkInAddress();
      break;
    case "message": {
      const id = key(event.message.channel, event.message.ts);
      const isNew = !state.messages.has(id);
      state.messages.set(id, event.message);
      if (isNew && event.message.channel !== state.current) { state.unread.add(event.message.channel); renderSidebar(); }
      renderConversation();
      break;
    }
    case "ephemeral":
      if (event.replaces) state.ephemerals = state.ephemerals.filter((e) => e.ts !== event.replaces);
      state.ephemerals.push(event.ephemeral);
      renderConversation();
      break;
    case "ephemeral_deleted":
      state.ephemerals = state.ephemerals.filter((e) => e.ts !== event.ts);
      renderConversation();
      break;
    case "view":
      openModal(event.view);
      break;
    case "refused":
      state.refusals.push(event);
      renderRefusals();
      break;
    case "log":
      state.log.push(event.entry);
      appendLog(event.entry);
      break;
  }
}

function visibleChannel(id) {
  return id === state.dm || state.channels.some((c) => c.id === id);
}

// -- rendering ---------------------------------------------------------------------------------------
function renderAll() { renderSidebar(); renderConversation(); renderRefusals(); }

function renderSidebar() {
  const you = $("you");
  you.replaceChildren(...state.people.map((p) =>
    el("option", { value: p.id, selected: p.id === state.me }, [`${p.name} (${p.role})`])));
  $("channels").replaceChildren(...state.channels.map((c) => channelItem(c.id, `${c.private ? "🔒" : "#"} ${c.name}`)));
  $("dms").replaceChildren(channelItem(state.dm, "🤖 Signoff (app)"));
}

function channelItem(id, label) {
  const cls = id === state.current ? "current" : state.unread.has(id) ? "unread" : "";
  return el("li", {}, [el("a", { href: "#", class: cls, "data-channel": id,
    onclick: (e) => { e.preventDefault(); selectChannel(id); } }, [label])]);
}

function selectChannel(id) {
  state.current = id;
  state.unread.delete(id);
  state.thread = null;
  renderAll();
}

function channelTitle(id) {
  if (id === state.dm) return "🤖 Signoff (direct messages)";
  const channel = state.channels.find((c) => c.id === id);
  return channel ? `${channel.private ? "🔒" : "#"} ${channel.name}` : id;
}

function sorted(items) { return items.sort((a, b) => Number(a.ts) - Number(b.ts)); }

function renderConversation() {
  const header = $("channel-header");
  header.replaceChildren(el("h1", {}, [channelTitle(state.current)]),
    el("span", { class: "sub", text: state.current.startsWith("D") ? "only you and the app"
      : "type /draft <topic>, or /signoff help" }));
  $("compose").placeholder = `Message ${channelTitle(state.current)} — try /draft what we shipped this week`;
  const top = [...state.messages.values()].filter((m) => m.channel === state.current && (!m.thread_ts || m.thread_ts === m.ts));
  const mine = state.ephemerals.filter((e) => e.channel === state.current && !e.thread_ts);
  const list = $("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.replaceChildren(...sorted([...top, ...mine]).map((m) => renderMessage(m, true)));
  if (atBottom) list.scrollTop = list.scrollHeight;
  renderThread();
  markHighlight();
}

function renderThread() {
  const pane = $("thread");
  const thread = state.thread;
  if (!thread || thread.channel !== state.current) { pane.hidden = true; return; }
  pane.hidden = false;
  const parent = state.messages.get(key(thread.channel, thread.ts));
  const replies = [...state.messages.values()].filter((m) => m.channel === thread.channel && m.thread_ts === thread.ts && m.ts !== thread.ts);
  const mine = state.ephemerals.filter((e) => e.channel === thread.channel && e.thread_ts === thread.ts);
  const list = $("thread-messages");
  list.replaceChildren(...(parent ? [renderMessage(parent, false), el("div", { class: "replies-rule",
    text: `${replies.length} ${replies.length === 1 ? "reply" : "replies"}` })] : []),
    ...sorted([...replies, ...mine]).map((m) => renderMessage(m, false)));
}

function replyCount(message) {
  let count = 0;
  for (const m of state.messages.values()) if (m.channel === message.channel && m.thread_ts === message.ts && m.ts !== message.ts) count++;
  return count;
}

function renderMessage(message, inChannel) {
  const who = names.person(message.user) || message.user;
  const isApp = message.user === APP;
  const time = new Date(Number(message.ts.split(".")[0]) * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  const onAction = (blockIndex, element) => click(message, blockIndex, element);
  const body = message.blocks && message.blocks.length ? renderBlocks(message.blocks, names, onAction)
    : el("div", { class: "mrkdwn", html: mrkdwn(message.text, names) });
  const node = el("article", {
    class: `message${message.is_ephemeral ? " ephemeral" : ""}`, id: `m-${message.channel}-${message.ts}`,
    "data-ts": message.ts, "data-channel": message.channel,
  }, [
    el("div", { class: `avatar${isApp ? " app" : ""}`, text: isApp ? "S" : who.slice(0, 1).toUpperCase() }),
    el("div", { class: "content" }, [
      el("div", { class: "meta" }, [el("strong", { text: who }), isApp ? el("span", { class: "badge", text: "APP" }) : null,
        el("span", { class: "time", text: time }), message.edited ? el("span", { class: "edited", text: "(edited)" }) : null]),
      message.is_ephemeral ? el("div", { class: "only-you", text: "👁 Only visible to you" }) : null,
      body,
      renderReactions(message),
      inChannel && !message.is_ephemeral ? threadLink(message) : null,
    ]),
  ]);
  return node;
}

function renderReactions(message) {
  if (!message.reactions || !message.reactions.length) return null;
  return el("div", { class: "reactions" }, message.reactions.map((r) => el("button", {
    type: "button", class: `reaction${r.users.includes(state.me) ? " mine" : ""}`, title: r.users.map((u) => names.person(u) || u).join(", "),
    onclick: () => post("/react", { channel: message.channel, ts: message.ts, name: r.name }),
  }, [`${EMOJI[r.name] || `:${r.name}:`} ${r.users.length}`])));
}

function threadLink(message) {
  const count = replyCount(message);
  return el("a", { href: "#", class: "thread-link", onclick: (e) => { e.preventDefault(); openThread(message.channel, message.ts); } },
    [count ? `💬 ${count} ${count === 1 ? "reply" : "replies"}` : "Reply in thread"]);
}

function openThread(channel, ts) {
  state.thread = { channel, ts };
  renderThread();
}

function renderRefusals() {
  $("refusals").replaceChildren(...state.refusals.slice(-3).map((r) => el("div", { class: "refusal", role: "alert" }, [
    el("strong", { text: `Slack would refuse ${r.method}: ${r.error}` }),
    el("ul", {}, r.errors.map((e) => el("li", { text: e }))),
    el("button", { type: "button", class: "dismiss", text: "Dismiss",
      onclick: () => { state.refusals = state.refusals.filter((x) => x !== r); renderRefusals(); } }),
  ])));
}

// -- actions -----------------------------------------------------------------------------------------
async function click(message, blockIndex, element) {
  const answer = await post("/click", { channel: message.channel, ts: message.ts, block_index: blockIndex,
    action_id: element.action_id });
  if (!answer.ok) flash(`The app did not accept the click (${answer.status || answer.error}).`);
}

async function send(textarea, threadTs) {
  const text = textarea.value.trim();
  if (!text) return;
  textarea.value = "";
  const answer = await post("/send", { channel: state.current, text, thread_ts: threadTs });
  if (!answer.ok && answer.error) flash(`Not sent: ${answer.error}`);
}

function flash(text) {
  const note = el("div", { class: "flash", role: "status", text });
  document.body.append(note);
  setTimeout(() => note.remove(), 4000);
}

// -- modals ------------------------------------------------------------------------------------------
function openModal(view) {
  const overlay = $("overlay");
  const typed = {};
  overlay.querySelectorAll("[data-block-id]").forEach((f) => { if ("value" in f && f.name) typed[f.name] = f.value; });
  const sameView = state.view && state.view.id === view.id;
  state.view = view;
  const form = el("form", { class: "dialog modal", role: "dialog", "aria-modal": "true", "data-view-id": view.id }, [
    el("header", {}, [textObject(view.title, names, "h2"),
      el("button", { type: "button", class: "close", "aria-label": "Close", onclick: closeModal, text: "×" })]),
    el("div", { class: "modal-body" }, [renderBlocks(view.blocks, names, async () => {})]),
    el("div", { class: "form-error", role: "alert" }),
    el("footer", { class: "dialog-buttons" }, [
      el("button", { type: "button", class: "button default", onclick: closeModal },
        [textObject(view.close || { type: "plain_text", text: "Cancel" }, names, "span")]),
      view.submit ? el("button", { type: "submit", class: "button primary", "data-submit": "1" },
        [textObject(view.submit, names, "span")]) : null,
    ]),
  ]);
  form.addEventListener("submit", (e) => { e.preventDefault(); submitModal(form, view); });
  overlay.replaceChildren(form);
  if (sameView) form.querySelectorAll("[name]").forEach((f) => { if (f.name in typed) f.value = typed[f.name]; });
  overlay.hidden = false;
}

function closeModal() {
  state.view = null;
  $("overlay").hidden = true;
  $("overlay").replaceChildren();
}

function showErrors(form, errors) {
  form.querySelectorAll(".input-error").forEach((e) => { e.textContent = ""; });
  for (const [blockId, message] of Object.entries(errors)) {
    const holder = form.querySelector(`.block.input[data-block-id="${CSS.escape(blockId)}"] .input-error`);
    if (holder) holder.textContent = message;
    else form.querySelector(".form-error").textContent = message;
  }
}

async function submitModal(form, view) {
  const values = {}, errors = {};
  form.querySelectorAll("textarea[name], input[name]").forEach((field) => {
    values[field.name] = field.value;
    if (!field.value.trim() && !field.dataset.optional) errors[field.name] = "Please complete this required field.";
  });
  showErrors(form, errors);
  form.querySelector(".form-error").textContent = "";
  if (Object.keys(errors).length) return;
  const submit = form.querySelector("[data-submit]");
  submit.disabled = true;
  const answer = await post("/submit", { view_id: view.id, values });
  submit.disabled = false;
  if (answer.errors) showErrors(form, answer.errors);
  else if (answer.error) form.querySelector(".form-error").textContent = answer.error;
  if (answer.view) openModal(answer.view);
  else if (answer.close) closeModal();
}

// -- permalinks --------------------------------------------------------------------------------------
const PERMALINK = /\/archives\/([A-Za-z0-9_]+)\/p(\d{7,})/;

function permalinkTarget(href) {
  const match = PERMALINK.exec(href || "");
  if (!match) return null;
  const digits = match[2];
  return { channel: match[1], ts: `${digits.slice(0, -6)}.${digits.slice(-6)}` };
}

function jumpTo(target) {
  const message = state.messages.get(key(target.channel, target.ts));
  if (!message) { flash("That message is not in this workspace (or you cannot see it)."); return; }
  state.current = target.channel;
  state.thread = message.thread_ts && message.thread_ts !== message.ts ? { channel: target.channel, ts: message.thread_ts } : null;
  renderAll();
  const node = document.getElementById(`m-${target.channel}-${target.ts}`)
    || document.querySelector(`#messages [data-ts="${CSS.escape(target.ts)}"]`);
  state.highlight = key(target.channel, target.ts);  // kept until the next jump, across re-renders
  markHighlight();
  if (node) node.scrollIntoView({ block: "center" });
}

function markHighlight() {
  document.querySelectorAll(".message.highlight").forEach((n) => n.classList.remove("highlight"));
  if (!state.highlight) return;
  const [channel, ts] = state.highlight.split("/");
  document.querySelectorAll(`.message[data-channel="${CSS.escape(channel)}"][data-ts="${CSS.escape(ts)}"]`)
    .forEach((n) => n.classList.add("highlight"));
}

function jumpToPermalinkInAddress() {
  const target = permalinkTarget(location.pathname);
  if (target) { history.replaceState(null, "", `/?as=${encodeURIComponent(state.me)}`); jumpTo(target); }
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[href]");
  const target = link && permalinkTarget(link.getAttribute("href"));
  if (target) { event.preventDefault(); jumpTo(target); }
});

// -- developer panel ---------------------------------------------------------------------------------
function logLine(entry) {
  const ok = entry.kind === "app" ? entry.answer.status === 200 : entry.answer.ok;
  const arrow = { api: "app → Slack", app: "Slack → app", tool: "page tool" }[entry.kind];
  const who = entry.user ? ` as ${names.person(entry.user) || entry.user}` : "";
  const outcome = entry.kind === "app" ? entry.answer.status : entry.kind === "tool" ? entry.answer.said
    : entry.answer.ok ? "ok" : entry.answer.error;
  return el("li", { class: ok ? "ok" : "failed" }, [el("details", {}, [
    el("summary", {}, [el("span", { class: "when", text: new Date(entry.at * 1000).toLocaleTimeString() }),
      ` ${arrow} `, el("code", { text: entry.method }), `${who} · ${outcome}`]),
    el("pre", { text: `request:\n${JSON.stringify(entry.args, null, 2)}\n\nanswer:\n${JSON.stringify(entry.answer, null, 2)}` }),
  ])]);
}

function renderLog() {
  $("tools").replaceChildren(...state.tools.map((name) => el("button", { type: "button", class: "button default",
    onclick: async () => { const answer = await post("/tool", { name }); flash(answer.said || answer.error); } }, [name])));
  $("log").replaceChildren(...state.log.map(logLine));
  $("log-count").textContent = state.log.length;
}

function appendLog(entry) {
  $("log").append(logLine(entry));
  $("log-count").textContent = state.log.length;
}

// -- wiring ------------------------------------------------------------------------------------------
function wireComposer(formId, textareaId, threadTs) {
  const textarea = $(textareaId);
  $(formId).addEventListener("submit", (e) => { e.preventDefault(); send(textarea, threadTs()); });
  textarea.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); send(textarea, threadTs()); }
  });
}

wireComposer("composer", "compose", () => null);
wireComposer("thread-composer", "thread-compose", () => state.thread && state.thread.ts);
$("close-thread").addEventListener("click", () => { state.thread = null; renderThread(); });
$("you").addEventListener("change", (e) => {
  state.me = e.target.value;
  localStorage.setItem("signoff-as", state.me);
  history.replaceState(null, "", `/?as=${encodeURIComponent(state.me)}`);
  closeModal();
  connect();
});
connect();
