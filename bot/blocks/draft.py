"""Block Kit builders: pure functions from stored values to (fallback text, blocks)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot.blocks import action_ids
from bot.parsing.draft_ids import json_object, row_id, text_field
from bot.blocks.media import ImageView, media_context
from bot.blocks.grounding import (
    NOTHING_MATCHED,
    ClaimView,
    accept_confirm,
    claims_line,
    references_line,
    score_line,
    unsupported_text,
)
from bot.blocks.publications import PublicationView, preview_blocks, publication_blocks
from bot.blocks.text import chunks, clip, escape_mrkdwn, mention
from storage.scheduled_publish import held_for_undo

SECTION_LIMIT = 3000
MAX_BLOCKS = 50

STATUS_LABELS = {
    "generating": "⏳ Drafting",
    "pending": "🟡 Waiting for approval",
    "needs_attention": "🟠 Needs attention",
    "approved": "✅ Approved",
    "publishing": "📤 Publishing",
    "published": "🚀 Published",
    "partially_published": "⚠️ Partly published",
    "skipped": "⏭️ Skipped",
    "expired": "⌛ Expired",
    "failed": "❌ Failed",
}

APPROVED_STATES = ("approved", "publishing", "published", "partially_published")


@dataclass(frozen=True)
class DraftView:
    """What a draft message shows; built by the caller from storage rows."""

    draft_id: int
    topic: str
    requester_id: str
    status: str
    destinations: tuple[str, ...]
    revision: int = 0
    text: str = ""
    sha256: str = ""
    problems: tuple[str, ...] = ()
    progress: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    error: str | None = None
    outcomes: tuple[str, ...] = ()
    publications: tuple[PublicationView, ...] = ()
    preview: tuple[str, ...] = ()
    sources: tuple[tuple[str, str | None], ...] = ()  # (title, url)
    score: float | None = None
    score_reasons: tuple[str, ...] = ()
    approvals: tuple[str, ...] = ()
    required: int = 1
    publish_at: datetime | None = None
    score_parts: tuple[tuple[str, float], ...] = ()  # (part, 0–10): relevance, support, length, tone
    claims: tuple[ClaimView, ...] = ()
    nothing_matched: bool = False
    claims_accepted_by: str | None = None
    images: tuple[ImageView, ...] = ()
    media_rules: dict | None = None  # destination label → its alt rule (storage/media.py MediaCheck)
    media_notes: tuple[str, ...] = ()  # how the images will go ("Bluesky: image 1 will be resized …")

    @property
    def claims_block_approval(self) -> bool:
        return any(not c.supported for c in self.claims) and not self.claims_accepted_by


def button_value(draft_id: int, revision: int, sha256: str) -> str:
    return json.dumps({"d": draft_id, "r": revision, "h": sha256}, separators=(",", ":"))


def parse_button_value(value: object) -> tuple[int, int, str]:
    """What `button_value` wrote; anything else raises NotOurValue."""
    data = json_object(value)
    return row_id(data.get("d")), row_id(data.get("r"), minimum=0), text_field(data, "h")


def _section(text: str, *, plain: bool = False) -> dict:
    kind = "plain_text" if plain else "mrkdwn"
    body: dict = {"type": kind, "text": text}
    if plain:
        body["emoji"] = False
    return {"type": "section", "text": body}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, SECTION_LIMIT)}]}


def slack_date(moment: datetime) -> str:
    """A date each reader sees in their own time zone (Slack's date formatting), UTC as fallback."""
    return _when(moment).strip()


def _when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    stamp = int(moment.timestamp()) if moment.tzinfo else int((moment - datetime(1970, 1, 1)).total_seconds())
    return f" <!date^{stamp}^{{date_short_pretty}} at {{time}}|{moment:%Y-%m-%d %H:%M} UTC>"


def parent_message(view: DraftView) -> tuple[str, list[dict]]:
    """The short channel message a draft's thread hangs under."""
    topic = escape_mrkdwn(clip(" ".join(view.topic.split()), 300))
    status = STATUS_LABELS.get(view.status, view.status)
    line = f"*Draft #{view.draft_id}* for {mention(view.requester_id)}: {topic}"
    detail = status + (f" · {escape_mrkdwn(view.progress)}" if view.progress else "")
    fallback = f"Draft #{view.draft_id}: {clip(view.topic, 200)}"
    return escape_mrkdwn(fallback), [_section(clip(line, SECTION_LIMIT)), _context(detail)]


# Replies are comments unless they mention the app (bot/listeners/events.py).
REPLY_HINT = "💬 Replies here are comments. To ask for a rewrite, mention @Signoff with what to change."


def draft_message(view: DraftView) -> tuple[str, list[dict]]:
    """The thread reply with the draft, exactly as it would be published, and the decision buttons."""
    header = f"Draft #{view.draft_id} · revision {view.revision}"
    meta = [
        f"To: {', '.join(escape_mrkdwn(d) for d in view.destinations)}",
        f"{len(view.text)} characters",
        f"sha256 `{view.sha256[:12]}`",
    ]
    after: list[dict] = (
        [_context(" · ".join(meta))]
        + media_context(view.images, view.media_rules or {}, view.media_notes)
        + context_blocks(view)
        + preview_blocks(view.preview)
    )
    if view.problems:
        listed = "\n".join(f"• {escape_mrkdwn(p)}" for p in view.problems[:10])
        after.append(_section(clip(f"*Needs attention before approval:*\n{listed}", SECTION_LIMIT)))
    after += _decision_area(view)
    # Whatever the text's length, the message stays within Slack's 50 blocks: the body gives way.
    body = [_section(part, plain=True) for part in chunks(view.text, SECTION_LIMIT)]
    room = MAX_BLOCKS - 1 - len(after)
    if len(body) > room:
        body = body[: room - 1] + [_context("_The draft is too long to show whole here; Edit shows all of it._")]
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": clip(header, 150)}}, *body, *after]
    return escape_mrkdwn(f"{header}: {clip(view.text, 300)}"), blocks


def context_blocks(view: DraftView) -> list[dict]:
    """What the approver decides with: numbered references, the claims and where each was found,
    those no source supports, and the score with its parts."""
    blocks: list[dict] = []
    if view.nothing_matched:
        blocks.append(_section(f"ℹ️ {NOTHING_MATCHED}"))
    lines = [references_line(view.sources)] if view.sources else []
    if (claimed := claims_line(view.claims)) is not None:
        lines.append(claimed)
    if view.score is not None:
        lines.append(score_line(view.score, view.score_parts, view.score_reasons))
    if lines:
        blocks.append(_context("\n".join(lines)))
    if (missing := unsupported_text(view.claims, view.claims_accepted_by)) is not None:
        blocks.append(_section(missing))
    return blocks


def _decision_area(view: DraftView) -> list[dict]:
    if view.status in ("pending", "needs_attention"):
        value = button_value(view.draft_id, view.revision, view.sha256)
        buttons = []
        if view.status == "pending":
            approve = _button("Approve", action_ids.APPROVE, value, style="primary")
            approve["confirm"] = _confirm_approval(view)
            buttons += [approve, _button("Schedule…", action_ids.SCHEDULE, value)]
        if view.claims_block_approval:
            accept = _button("Accept unsupported claims", action_ids.ACCEPT_CLAIMS, value)
            accept["confirm"] = accept_confirm(view.claims)
            buttons.append(accept)
        if view.images:
            buttons.append(_button("Alt text…", action_ids.ALT_TEXT, value))
        buttons += [
            _button("Edit", action_ids.EDIT, value),
            _button("Regenerate", action_ids.REGENERATE, value),
            _button("Skip", action_ids.SKIP, value, style="danger"),
        ]
        area: list[dict] = []
        if view.required > 1 or view.approvals:
            who = ", ".join(mention(a) for a in view.approvals) or "nobody yet"
            area.append(_context(f"{len(view.approvals)} of {view.required} approvals ({who})"))
        area.append({"type": "actions", "block_id": f"decide-{view.draft_id}-{view.revision}", "elements": buttons})
        area.append(_context(REPLY_HINT))
        return area
    if view.status == "generating" and view.revision:
        return [
            _context(
                f"⏳ Writing revision {view.revision + 1}"
                + (f" · {escape_mrkdwn(view.progress)}" if view.progress else "")
                + "…"
            )
        ]
    lines = []
    when = _when(view.decided_at)
    who = f" by {mention(view.decided_by)}" if view.decided_by else ""
    if view.status in APPROVED_STATES:
        lines.append(f"*✅ Approved*{who}{when} (revision {view.revision})")
        if view.status == "approved" and view.publish_at:
            lines.append(
                f"⏳ Publishing{_when(view.publish_at)} — Undo stops it until then"
                if _is_undo_window(view)
                else f"🗓️ Publishes{_when(view.publish_at)} (Unschedule, or `/signoff cancel "
                f"{view.draft_id}` to skip it)"
            )
        if view.status != "approved":
            lines.append(f"*{STATUS_LABELS[view.status]}*")
    else:
        lines.append(f"*{STATUS_LABELS.get(view.status, view.status)}*{who}{when}")
    lines += [escape_mrkdwn(o) for o in view.outcomes]
    if view.error:
        lines.append(f"Reason: {escape_mrkdwn(clip(view.error, 500))}")
    area = [_section(clip("\n".join(lines), SECTION_LIMIT))] + publication_blocks(view.publications)
    if view.status == "approved" and view.publish_at:
        value = button_value(view.draft_id, view.revision, view.sha256)
        label = "Undo" if _is_undo_window(view) else "Unschedule"
        area.append(
            {
                "type": "actions",
                "block_id": f"call-off-{view.draft_id}-{view.revision}",
                "elements": [_button(label, action_ids.CALL_OFF, value)],
            }
        )
    if view.status in ("expired", "failed"):
        # Not the end: a new revision can still be written (and an expired draft revived).
        value = button_value(view.draft_id, view.revision, view.sha256)
        area.append(
            {
                "type": "actions",
                "block_id": f"revive-{view.draft_id}-{view.revision}",
                "elements": [_button("Regenerate", action_ids.REGENERATE, value)],
            }
        )
    return area


def _is_undo_window(view: DraftView) -> bool:
    return held_for_undo(view.publish_at, view.decided_at)


def _confirm_approval(view: DraftView) -> dict:
    where = ", ".join(view.destinations)
    return {
        "title": {"type": "plain_text", "text": "Approve this draft?"},
        "text": {
            "type": "plain_text",
            "text": clip(
                f"Revision {view.revision} ({len(view.text)} characters{_with_images(view)}) will be published "
                f"to {where} exactly as shown.",
                300,
            ),
        },
        "confirm": {"type": "plain_text", "text": "Approve"},
        "deny": {"type": "plain_text", "text": "Not yet"},
    }


def _with_images(view: DraftView) -> str:
    count = len(view.images)
    return f", {count} image{'' if count == 1 else 's'}" if count else ""


def _button(label: str, action_id: str, value: str, *, style: str | None = None) -> dict:
    button = {"type": "button", "action_id": action_id, "value": value, "text": {"type": "plain_text", "text": label}}
    if style:
        button["style"] = style
    return button


def failed_message(view: DraftView) -> tuple[str, list[dict]]:
    """A run that could not produce a draft: say why, offer Regenerate or Skip."""
    value = button_value(view.draft_id, view.revision, view.sha256)
    reason = escape_mrkdwn(clip(view.error or "unknown error", 1000))
    blocks = [
        _section(f"*Draft #{view.draft_id} could not be written.*\n{reason}"),
        {
            "type": "actions",
            "block_id": f"failed-{view.draft_id}",
            "elements": [
                _button("Regenerate", action_ids.REGENERATE, value),
                _button("Skip", action_ids.SKIP, value, style="danger"),
            ],
        },
    ]
    return escape_mrkdwn(f"Draft #{view.draft_id} failed: {clip(view.error or '', 200)}"), blocks
