"""Modal views: pure builders for Edit, Regenerate, Skip and Mark-as-published style dialogs."""

from __future__ import annotations

import json
import re

from bot.parsing.draft_ids import NotOurValue, json_object, row_id, text_field
from bot.blocks.text import clip, without_control

EDIT_VIEW = "signoff_edit_view"
REGENERATE_VIEW = "signoff_regenerate_view"
SKIP_VIEW = "signoff_skip_view"
SCHEDULE_VIEW = "signoff_schedule_view"
INPUT_LIMIT = 3000
FEEDBACK_BLOCK, REASON_BLOCK, WHEN_BLOCK, TEXT_BLOCK_PREFIX = "feedback", "reason", "when", "text_part_"
_TEXT_BLOCK = re.compile(re.escape(TEXT_BLOCK_PREFIX) + r"([0-9]{1,3})")


def metadata(draft_id: int, revision: int, channel: str, message_ts: str) -> str:
    return json.dumps({"d": draft_id, "r": revision, "c": channel, "m": message_ts}, separators=(",", ":"))


def parse_metadata(raw: object) -> dict:
    """What `metadata` wrote; anything else (a tampered or foreign view) raises NotOurValue."""
    data = json_object(raw)
    return {
        "draft_id": row_id(data.get("d")),
        "revision": row_id(data.get("r"), minimum=0),
        "channel": text_field(data, "c"),
        "message_ts": text_field(data, "m"),
    }


def split_for_inputs(text: str, size: int = INPUT_LIMIT) -> list[str]:
    """Exact pieces (joined with "" they give `text` back), cut after a line break where possible."""
    parts: list[str] = []
    while len(text) > size:
        cut = text.rfind("\n", 0, size) + 1
        cut = cut if cut > size // 2 else size
        parts.append(text[:cut])
        text = text[cut:]
    parts.append(text)
    return parts


def _title(text: str) -> dict:
    return {"type": "plain_text", "text": clip(text, 24)}


def edit_modal(draft_id: int, revision: int, text: str, meta: str) -> dict:
    parts = split_for_inputs(text)
    blocks = [
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"Editing draft #{draft_id}, revision {revision}. Saving creates revision {revision + 1}; "
                    "it is checked against the same policy as written drafts.",
                }
            ],
        }
    ]
    for index, part in enumerate(parts):
        label = "Text" if len(parts) == 1 else f"Text, part {index + 1} of {len(parts)}"
        blocks.append(
            {
                "type": "input",
                "block_id": f"{TEXT_BLOCK_PREFIX}{index}",
                "label": {"type": "plain_text", "text": label},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "initial_value": part,
                    "max_length": INPUT_LIMIT,
                },
            }
        )
    return {
        "type": "modal",
        "callback_id": EDIT_VIEW,
        "private_metadata": meta,
        "title": _title(f"Edit draft #{draft_id}"),
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def _optional_text_modal(
    callback_id: str, title: str, intro: str, block_id: str, label: str, placeholder: str, submit: str, meta: str
) -> dict:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": meta,
        "title": _title(title),
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": intro}},
            {
                "type": "input",
                "block_id": block_id,
                "optional": True,
                "label": {"type": "plain_text", "text": label},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "max_length": 1000,
                    "placeholder": {"type": "plain_text", "text": placeholder},
                },
            },
        ],
    }


def regenerate_modal(draft_id: int, meta: str) -> dict:
    return _optional_text_modal(
        REGENERATE_VIEW,
        f"Regenerate #{draft_id}",
        "A new revision will be written. Tell the writer what to change, or leave it empty.",
        FEEDBACK_BLOCK,
        "What should change?",
        "shorter, and mention the benchmark",
        "Regenerate",
        meta,
    )


def skip_modal(draft_id: int, meta: str) -> dict:
    return _optional_text_modal(
        SKIP_VIEW,
        f"Skip draft #{draft_id}",
        "The draft will be closed without publishing. A reason helps the team later.",
        REASON_BLOCK,
        "Reason (optional)",
        "not timely any more",
        "Skip",
        meta,
    )


def schedule_modal(draft_id: int, revision: int, timezone: str, meta: str) -> dict:
    """Approve now, publish later: the time is read in the workspace's timezone."""
    return {
        "type": "modal",
        "callback_id": SCHEDULE_VIEW,
        "private_metadata": meta,
        "title": _title(f"Schedule #{draft_id}"),
        "submit": {"type": "plain_text", "text": "Approve"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"Approve revision {revision} now and publish it at the time below ({timezone}). "
                    f"Until then `/signoff cancel {draft_id}` stops it.",
                },
            },
            {
                "type": "input",
                "block_id": WHEN_BLOCK,
                "label": {"type": "plain_text", "text": "When"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "max_length": 100,
                    "placeholder": {"type": "plain_text", "text": "tomorrow 09:30"},
                },
            },
        ],
    }


def state_values(view: dict) -> dict:
    """`view.state.values` of a submission: {block_id: {action_id: {"type": …, "value": …}}}."""
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    if not isinstance(values, dict):
        raise NotOurValue("the submission has no state values")
    return values


def typed_value(values: object, block_id: str, action_id: str = "value") -> str | None:
    """The text typed into input `block_id`, None when left empty."""
    if not isinstance(values, dict):
        raise NotOurValue("the submitted state is not an object")
    block = values.get(block_id)
    if block is None:
        return None
    element = block.get(action_id) if isinstance(block, dict) else None
    if not isinstance(element, dict) or not isinstance(element.get("value"), (str, type(None))):
        raise NotOurValue(f"{block_id!r} is not a text input's state")
    return element.get("value")


def submitted_text(values: object) -> str:
    """The Edit modal's parts joined in order (text_part_0, text_part_1, …)."""
    if not isinstance(values, dict):
        raise NotOurValue("the submitted state is not an object")
    parts = sorted((int(match.group(1)), key) for key in values if (match := _TEXT_BLOCK.fullmatch(key)) is not None)
    return "".join(typed_value(values, key) or "" for _, key in parts)


def submitted_optional(values: object, block_id: str) -> str | None:
    """An optional field (feedback, reason, when), stripped, control characters as spaces."""
    value = without_control(typed_value(values, block_id) or "").strip()
    return value or None
