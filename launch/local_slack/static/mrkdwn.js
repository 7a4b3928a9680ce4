// Slack's mrkdwn to safe HTML. Slack escapes exactly &, < and > in text; anything inside <…> is an
// entity (a link, a mention, a date), so entities are taken out first, the rest is escaped, then
// formatted, and the entities are put back as HTML built from escaped parts.
"use strict";

const EMOJI = {
  eyes: "👀", white_check_mark: "✅", heavy_check_mark: "✔️", x: "❌", warning: "⚠️", lock: "🔒",
  hourglass: "⌛", hourglass_flowing_sand: "⏳", memo: "📝", rocket: "🚀", tada: "🎉", bell: "🔔",
  mag: "🔍", arrows_counterclockwise: "🔄", no_entry: "⛔", no_entry_sign: "🚫", thumbsup: "👍", "+1": "👍",
  calendar: "📅", link: "🔗", pencil2: "✏️", speech_balloon: "💬", inbox_tray: "📥", outbox_tray: "📤",
  construction: "🚧", stopwatch: "⏱️", bar_chart: "📊", zzz: "💤", wave: "👋", heart: "❤️",
};

function escapeHtml(text) {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

function slackUnescape(text) {
  return String(text).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function entityHtml(inner, names) {
  const [target, label] = splitOnce(inner, "|");
  if (target.startsWith("@")) {
    return `<span class="mention">@${escapeHtml(names.person(target.slice(1)) || target.slice(1))}</span>`;
  }
  if (target.startsWith("#")) {
    return `<span class="mention">#${escapeHtml(label || names.channel(target.slice(1)) || target.slice(1))}</span>`;
  }
  if (target.startsWith("!")) {
    const [kind, ...rest] = target.slice(1).split("^");
    if (kind === "date") {
      const when = new Date(Number(rest[0]) * 1000);
      const shown = isNaN(when) ? slackUnescape(label || "") : when.toLocaleString();
      return `<time title="${escapeHtml(slackUnescape(label || ""))}">${escapeHtml(shown)}</time>`;
    }
    if (kind === "subteam") return `<span class="mention">${escapeHtml(slackUnescape(label || "@team"))}</span>`;
    return `<span class="mention">@${escapeHtml(kind)}</span>`;
  }
  const url = slackUnescape(target);
  if (!/^(https?:|mailto:)/i.test(url)) return escapeHtml(slackUnescape(inner));
  return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener">${escapeHtml(slackUnescape(label || url))}</a>`;
}

function splitOnce(text, separator) {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
}

function mrkdwn(text, names) {
  const entities = [];
  let html = String(text || "").replace(/<([^<>\n]+)>/g, (_, inner) => {
    entities.push(entityHtml(inner, names));
    return `\u0000${entities.length - 1}\u0000`;
  });
  html = escapeHtml(slackUnescape(html));
  const blocks = [];
  html = html.replace(/```([\s\S]*?)```/g, (_, code) => { blocks.push(`<pre>${code}</pre>`); return `\u0001${blocks.length - 1}\u0001`; });
  html = html.replace(/`([^`\n]+)`/g, "<code>$1</code>");
  html = html.replace(/(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?!\w)/gm, "$1<b>$2</b>");
  html = html.replace(/(^|[^\w_])_(?=\S)([^_\n]*?\S)_(?!\w)/gm, "$1<i>$2</i>");
  html = html.replace(/(^|[^\w~])~(?=\S)([^~\n]*?\S)~(?!\w)/gm, "$1<s>$2</s>");
  html = html.replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[name] || whole);
  html = html.split("\n").map((line) => line.startsWith("&gt; ") || line === "&gt;"
    ? `<span class="quote">${line.replace(/^&gt; ?/, "")}</span>` : line).join("<br>");
  html = html.replace(/\u0001(\d+)\u0001/g, (_, i) => blocks[Number(i)]);
  return html.replace(/\u0000(\d+)\u0000/g, (_, i) => entities[Number(i)]);
}
