"""Bulk decisions from a digest: the "Approve all shown" / "Skip all shown" buttons, what they
carry (each shown draft's id, revision and the start of its SHA-256, so a draft that changed since
the digest is refused like a stale button), and the answer listing what was decided and why not."""

from __future__ import annotations

import json

from bot.blocks import action_ids
from bot.blocks.replies import refused
from bot.blocks.text import clip
from bot.parsing.draft_ids import NotOurValue, json_object, row_id
from storage.models import Draft
from storage.schedules import Waiting
from storage.transitions import Refusal

HASH_PREFIX = 12  # 45 drafts × ~30 characters stays within a button value's 2 000
Shown = tuple[int, int, str]


def shown_value(items: list[Waiting]) -> str:
    return json.dumps({"i": [[w.draft_id, w.revision, w.sha256[:HASH_PREFIX]] for w in items]}, separators=(",", ":"))


def parse_shown(raw: object) -> list[Shown]:
    data = json_object(raw)
    items = data.get("i")
    if not isinstance(items, list) or not items or len(items) > 100:
        raise NotOurValue("not a list of shown drafts")
    shown = []
    for item in items:
        if not (
            isinstance(item, list)
            and len(item) == 3
            and isinstance(item[2], str)
            and len(item[2]) == HASH_PREFIX
            and all(c in "0123456789abcdef" for c in item[2])
        ):
            raise NotOurValue("not a shown draft")
        shown.append((row_id(item[0]), row_id(item[1], minimum=1), item[2]))
    return shown


def bulk_buttons(items: list[Waiting]) -> dict:
    value = shown_value(items)
    count = f"{len(items)} draft{'s' if len(items) != 1 else ''}"
    return {
        "type": "actions",
        "block_id": f"bulk-{items[0].draft_id}-{len(items)}",
        "elements": [
            {
                "type": "button",
                "action_id": action_ids.APPROVE_SHOWN,
                "value": value,
                "text": {"type": "plain_text", "text": "Approve all shown"},
                "confirm": _confirm(
                    "Approve all shown?",
                    f"Each of these {count} is approved as its current revision, "
                    "one by one, under the usual rules (four eyes, approvals needed). Drafts that "
                    "changed since this digest are left alone.",
                    "Approve them",
                ),
            },
            {
                "type": "button",
                "action_id": action_ids.SKIP_SHOWN,
                "value": value,
                "style": "danger",
                "text": {"type": "plain_text", "text": "Skip all shown"},
                "confirm": _confirm(
                    "Skip all shown?", f"Each of these {count} is skipped and will not be published.", "Skip them"
                ),
            },
        ],
    }


def _confirm(title: str, text: str, confirm: str) -> dict:
    return {
        "title": {"type": "plain_text", "text": title},
        "text": {"type": "plain_text", "text": clip(text, 300)},
        "confirm": {"type": "plain_text", "text": confirm},
        "deny": {"type": "plain_text", "text": "Cancel"},
    }


def bulk_answer(
    verb: str,
    decided: list[int],
    refusals: list[tuple[int, Refusal | None, Draft | None]],
    *,
    counted: list[int] | None = None,
) -> str:
    """verb: "approved" or "skipped"; `counted`: approvals recorded that still wait for another approver."""
    lines = [f"*{verb.capitalize()} {len(decided)}*: " + (", ".join(f"#{d}" for d in decided) or "none")]
    if counted:
        lines.append(
            f"*Your approval counted, another is needed, {len(counted)}*: " + ", ".join(f"#{d}" for d in counted)
        )
    if refusals:
        lines.append(f"*Not {verb} {len(refusals)}:*")
        for draft_id, reason, draft in refusals:
            why = (
                refused(reason, draft)
                if reason is not None and draft is not None
                else f"Draft #{draft_id} does not exist."
            )
            lines.append(f"• #{draft_id}: {why}")
    return clip("\n".join(lines), 3000)
