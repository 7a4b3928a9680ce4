"""Block Kit for publishing: a status line per destination part, the buttons a person needs
(Retry / Mark as published / Skip, Mark as posted for a hand-off), the hand-off message, the
"where is it?" modal and the preview lines. Pure functions, tested as dicts."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.blocks import publication_ids as ids
from bot.parsing.draft_ids import json_object, row_id, text_field
from bot.blocks.text import clip, escape_mrkdwn

SECTION_LIMIT = 3000
LABELS = {
    "x": "X",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "devto": "Dev.to",
    "slack": "Slack",
    "linkedin": "LinkedIn",
    "webhook": "Webhook",
    "dryrun": "Dry run",
}
# Parts in these states wait for a person; which buttons each one gets.
BUTTONS = {
    "failed": ("Retry", "Mark as published", "Skip"),
    "unconfirmed": ("Retry", "Mark as published", "Skip"),
    "retrying": ("Retry now", "Skip"),
    "handoff": ("Mark as posted", "Skip"),
}
_ACTION = {
    "Retry": ids.RETRY,
    "Retry now": ids.RETRY,
    "Mark as published": ids.MARK,
    "Mark as posted": ids.MARK,
    "Skip": ids.SKIP,
}


@dataclass(frozen=True)
class PublicationView:
    """One (destination, part) row as the thread shows it; id 0 means not claimed yet (queued)."""

    id: int
    destination: str
    part: int
    status: str
    url: str | None = None
    external_id: str | None = None
    error: str | None = None


def label(destination: str) -> str:
    return LABELS.get(destination, destination)


def _name(p: PublicationView) -> str:
    return p.destination + (f" part {p.part + 1}" if p.part else "")


def status_line(p: PublicationView) -> str:
    why = f" ({p.error})" if p.error else ""
    text = {
        "published": "published " + (p.url or f"({p.external_id})" if p.url or p.external_id else ""),
        "retrying": f"will retry{why}",
        "unconfirmed": f"unconfirmed, check {label(p.destination)} before retrying{why}",
        "failed": f"failed: {p.error or 'unknown error'}",
        "handoff": "ready to post by hand: copy the text from the thread, post it, then Mark as posted",
        "skipped": "skipped",
        "queued": "queued",
    }.get(p.status, "publishing…")
    return f"{_name(p)}: {text.rstrip()}"


def button_value(p: PublicationView) -> str:
    return json.dumps({"p": p.id, "dest": p.destination, "part": p.part}, separators=(",", ":"))


def parse_button_value(value: object) -> int:
    """The publication id `button_value` wrote; anything else raises NotOurValue."""
    return row_id(json_object(value).get("p"))


def _button(text: str, p: PublicationView) -> dict:
    button = {
        "type": "button",
        "action_id": _ACTION[text],
        "value": button_value(p),
        "text": {
            "type": "plain_text",
            "text": clip(f"{text} · {label(p.destination)}" + (f" {p.part + 1}" if p.part else ""), 75),
        },
    }
    if text.startswith("Retry"):
        button["style"] = "primary"
    return button


def publication_blocks(publications: tuple[PublicationView, ...]) -> list[dict]:
    """One section of status lines, then one row of buttons per part that waits for a person."""
    if not publications:
        return []
    lines = "\n".join(escape_mrkdwn(status_line(p)) for p in publications)
    blocks: list[dict] = [{"type": "section", "text": {"type": "mrkdwn", "text": clip(lines, SECTION_LIMIT)}}]
    for p in publications:
        if p.id and p.status in BUTTONS:
            blocks.append(
                {
                    "type": "actions",
                    "block_id": f"publication-{p.id}-{p.status}",
                    "elements": [_button(text, p) for text in BUTTONS[p.status]],
                }
            )
    return blocks


def preview_blocks(lines: tuple[str, ...]) -> list[dict]:
    if not lines:
        return []
    text = "\n".join(escape_mrkdwn(line) for line in lines[:20])
    return [{"type": "context", "elements": [{"type": "mrkdwn", "text": clip("*Preview* " + text, SECTION_LIMIT)}]}]


def handoff_message(draft_id: int, p: PublicationView, text: str) -> tuple[str, list[dict]]:
    """The ready-to-copy text for a destination Signoff does not post to itself."""
    name = label(p.destination)
    intro = (
        f"*Draft #{draft_id} for {escape_mrkdwn(name)}:* copy the text below, post it on "
        f"{escape_mrkdwn(name)} yourself, then press *Mark as posted* and paste the link."
    )
    body = [
        {"type": "section", "text": {"type": "plain_text", "text": chunk, "emoji": False}}
        for chunk in _chunks(text, SECTION_LIMIT)
    ]
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": intro}},
        *body,
        {"type": "actions", "block_id": f"handoff-{p.id}", "elements": [_button(t, p) for t in BUTTONS["handoff"]]},
    ]
    return escape_mrkdwn(f"Draft #{draft_id}: ready to post on {name}"), blocks


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def mark_modal(
    publication_id: int, destination: str, part: int, *, channel: str, message_ts: str, handoff: bool
) -> dict:
    """Asks for the link; `private_metadata` brings back which part and which message to update."""
    name = label(destination) + (f" part {part + 1}" if part else "")
    verb = "posted" if handoff else "published"
    meta = json.dumps({"p": publication_id, "c": channel, "t": message_ts}, separators=(",", ":"))
    return {
        "type": "modal",
        "callback_id": ids.MARK_VIEW,
        "private_metadata": meta,
        "title": {"type": "plain_text", "text": f"Mark as {verb}"},
        "submit": {"type": "plain_text", "text": "Record"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "plain_text",
                    "emoji": False,
                    "text": f"Where is it on {name}? The link is recorded with your name in the audit trail.",
                },
            },
            {
                "type": "input",
                "block_id": ids.URL_BLOCK,
                "label": {"type": "plain_text", "text": "Link"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": ids.URL_INPUT,
                    "placeholder": {"type": "plain_text", "text": "https://"},
                },
            },
        ],
    }


def parse_modal_metadata(meta: object) -> tuple[int, str, str]:
    """What `mark_modal` wrote; anything else raises NotOurValue."""
    data = json_object(meta)
    return row_id(data.get("p")), text_field(data, "c", default=""), text_field(data, "t", default="")
