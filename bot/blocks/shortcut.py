"""The "Draft a post from this message" shortcut: its modal, and the message it carries in the
modal's private_metadata (Slack allows 3 000 characters there, so a long message is clipped)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.blocks.text import clip, escape_mrkdwn
from bot.parsing.draft_ids import NotOurValue, json_object, text_field

SHORTCUT = "signoff_draft_from_message"
VIEW = "signoff_draft_from_message_view"
TOPIC_BLOCK = "topic"
CHANNEL_BLOCK, CHANNEL_INPUT = "channel", "channel"
METADATA_LIMIT = 3000


@dataclass(frozen=True)
class QuotedMessage:
    channel: str
    ts: str
    author: str
    permalink: str
    text: str
    files: tuple[str, ...] = ()

    def as_source(self) -> dict[str, str]:
        """The message as the draft's first source; its permalink is the provenance shown."""
        attached = f"\nFiles: {', '.join(self.files)}" if self.files else ""
        return {
            "title": "Slack message the draft was started from",
            "url": self.permalink,
            "excerpt": (self.text + attached)[:4000],
            "kind": "slack",
        }


def permalink(domain: str, channel: str, ts: str) -> str:
    """Slack's permalink shape, https://<domain>.slack.com/archives/<channel>/p<ts without the dot>."""
    return f"https://{domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"


def topic_hint(text: str, max_chars: int) -> str:
    """The message's first line, as a starting point for the topic a person then edits."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return clip(first, max_chars)


def metadata(message: QuotedMessage) -> str:
    text = message.text
    while True:
        raw = json.dumps(
            {
                "c": message.channel,
                "t": message.ts,
                "a": message.author,
                "l": message.permalink,
                "x": text,
                "f": list(message.files)[:20],
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        if len(raw) <= METADATA_LIMIT or not text:
            return raw
        text = text[: max(0, len(text) - (len(raw) - METADATA_LIMIT) - 1)]


def parse_metadata(raw: object) -> QuotedMessage:
    data = json_object(raw)
    files = data.get("f", [])
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise NotOurValue("'f' is not a list of file names")
    return QuotedMessage(
        channel=text_field(data, "c"),
        ts=text_field(data, "t"),
        author=text_field(data, "a"),
        permalink=text_field(data, "l"),
        text=text_field(data, "x"),
        files=tuple(files),
    )


def draft_from_message_modal(message: QuotedMessage, *, max_topic_chars: int) -> dict:
    quoted = escape_mrkdwn(clip(" ".join(message.text.split()), 280)) or "_(no text)_"
    return {
        "type": "modal",
        "callback_id": VIEW,
        "private_metadata": metadata(message),
        "title": {"type": "plain_text", "text": "Draft a post"},
        "submit": {"type": "plain_text", "text": "Draft"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"From <{message.permalink}|a message>: {quoted}"}],
            },
            {
                "type": "input",
                "block_id": TOPIC_BLOCK,
                "label": {"type": "plain_text", "text": "Topic"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "max_length": max_topic_chars,
                    "initial_value": topic_hint(message.text, max_topic_chars),
                },
            },
            {
                "type": "input",
                "block_id": CHANNEL_BLOCK,
                "label": {"type": "plain_text", "text": "Post the draft in"},
                "element": {
                    "type": "conversations_select",
                    "action_id": CHANNEL_INPUT,
                    "initial_conversation": message.channel,
                    "filter": {"include": ["public", "private"], "exclude_bot_users": True},
                },
            },
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": "The message and its link become the draft's first source."}],
            },
        ],
    }


def selected_channel(values: object) -> str:
    if not isinstance(values, dict):
        raise NotOurValue("the submitted state is not an object")
    element = (values.get(CHANNEL_BLOCK) or {}).get(CHANNEL_INPUT)
    chosen = element.get("selected_conversation") if isinstance(element, dict) else None
    if not isinstance(chosen, str) or not chosen:
        raise NotOurValue("no channel chosen")
    return chosen
