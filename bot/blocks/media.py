"""A draft's images in its message and the "Alt text…" dialog: pure builders.

Slack image blocks need a public URL, which Signoff does not have for a cleaned image, so each image
is a context line (number, name, size, alt text) and each destination says how the images will go.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.blocks.text import clip, escape_mrkdwn, without_control
from bot.parsing.draft_ids import NotOurValue

ALT_VIEW = "signoff_alt_text_view"
ALT_BLOCK_PREFIX = "alt_"
REMOVE_BLOCK = "remove"
ALT_INPUT_LIMIT = 2000  # the longest any destination takes; each destination's own limit is a problem line
MAX_SHOWN_NAME = 80


@dataclass(frozen=True)
class ImageView:
    position: int
    name: str
    width: int
    height: int
    size: int
    alt: str


def image_line(image: ImageView) -> str:
    """'🖼 1: screenshot.png 1200×800, 84 KB, alt: A chart of…' (mrkdwn, escaped)."""
    name = escape_mrkdwn(clip(" ".join(image.name.split()) or "image", MAX_SHOWN_NAME))
    alt = image.alt.strip()
    described = f"alt: {escape_mrkdwn(clip(' '.join(alt.split()), 300))}" if alt else "_no alt text yet_"
    return f"🖼 {image.position + 1}: {name} {image.width}×{image.height}, {image.size / 1000:.0f} KB, {described}"


def destination_lines(rules: dict, images: tuple[ImageView, ...]) -> list[str]:
    """Per destination that takes images: how many go, and whether their alt text is ready."""
    lines = []
    count = f"{len(images)} image{'' if len(images) == 1 else 's'}"
    for name, rule in rules.items():
        if not isinstance(rule, dict):
            continue
        missing = [str(i.position + 1) for i in images if not i.alt.strip()]
        if rule.get("alt_required") and missing:
            lines.append(f"{escape_mrkdwn(name)}: {count}, alt text needed for image {', '.join(missing)}")
        else:
            lines.append(f"{escape_mrkdwn(name)}: {count}" + (" with alt text" if rule.get("alt_required") else ""))
    return lines


def media_context(images: tuple[ImageView, ...], rules: dict, notes: tuple[str, ...] = ()) -> list[dict]:
    if not images:
        return []
    text = "\n".join(
        [image_line(i) for i in images] + destination_lines(rules, images) + [escape_mrkdwn(n) for n in notes]
    )
    return [{"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, 3000)}]}]


def alt_modal(draft_id: int, revision: int, images: tuple[ImageView, ...], meta: str) -> dict:
    blocks: list[dict] = [
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"Alt text for the images of draft #{draft_id}, revision {revision}. Saving creates "
                    f"revision {revision + 1}; alt text is checked like the draft's text.",
                }
            ],
        }
    ]
    for image in images[:20]:
        element: dict = {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": True,
            "max_length": ALT_INPUT_LIMIT,
            "placeholder": {"type": "plain_text", "text": "What the image shows, for people who cannot see it"},
        }
        if image.alt:
            element["initial_value"] = image.alt
        label = clip(f"Image {image.position + 1}: {' '.join(image.name.split()) or 'image'}", 150)
        blocks.append(
            {
                "type": "input",
                "block_id": f"{ALT_BLOCK_PREFIX}{image.position}",
                "optional": True,
                "label": {"type": "plain_text", "text": label},
                "element": element,
            }
        )
    options = [
        {
            "text": {
                "type": "plain_text",
                "text": clip(f"Image {i.position + 1}: {' '.join(i.name.split()) or 'image'}", 75),
            },
            "value": str(i.position),
        }
        for i in images[:10]
    ]
    blocks.append(
        {
            "type": "input",
            "block_id": REMOVE_BLOCK,
            "optional": True,
            "label": {"type": "plain_text", "text": "Remove from the draft"},
            "element": {"type": "checkboxes", "action_id": "value", "options": options},
        }
    )
    return {
        "type": "modal",
        "callback_id": ALT_VIEW,
        "private_metadata": meta,
        "title": {"type": "plain_text", "text": clip(f"Alt text #{draft_id}", 24)},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def submitted_alts(values: object, count: int) -> list[str]:
    """One alt text per image, in order ("" for an empty input); anything else raises NotOurValue."""
    if not isinstance(values, dict):
        raise NotOurValue("the submitted state is not an object")
    alts = []
    for position in range(count):
        block = values.get(f"{ALT_BLOCK_PREFIX}{position}")
        field = block.get("value") if isinstance(block, dict) else None
        if not isinstance(field, dict):
            raise NotOurValue(f"no alt text input for image {position + 1}")
        value = field.get("value")
        if value is not None and not isinstance(value, str):
            raise NotOurValue("an alt text is not text")
        alts.append(without_control(value or "").strip())
    return alts


def submitted_removals(values: object, count: int) -> set[int]:
    """Positions of the images ticked for removal; an unknown position raises NotOurValue."""
    if not isinstance(values, dict):
        raise NotOurValue("the submitted state is not an object")
    block = values.get(REMOVE_BLOCK)
    if block is None:
        return set()
    field = block.get("value") if isinstance(block, dict) else None
    selected = field.get("selected_options") if isinstance(field, dict) else None
    if selected is None:
        return set()
    if not isinstance(selected, list):
        raise NotOurValue("the removal choice is not a list")
    positions = set()
    for option in selected:
        value = option.get("value") if isinstance(option, dict) else None
        if not isinstance(value, str) or not value.isascii() or not value.isdigit() or int(value) >= count:
            raise NotOurValue("a removal names no image of this revision")
        positions.add(int(value))
    return positions
