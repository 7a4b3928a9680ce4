from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.blocks import action_ids
from bot.blocks.draft import MAX_BLOCKS, DraftView, draft_message, parent_message, parse_button_value
from bot.blocks.text import chunks, escape_mrkdwn, mention


def view(**overrides: Any) -> DraftView:
    base: dict[str, Any] = dict(
        draft_id=7,
        topic="launch",
        requester_id="U_CAROL",
        status="pending",
        destinations=("dryrun",),
        revision=2,
        text="Hello world",
        sha256="ab" * 32,
    )
    base.update(overrides)
    return DraftView(**base)


def test_escaping_defuses_mentions_and_spoofed_links() -> None:
    assert escape_mrkdwn("<!channel> & <http://evil|innocent>") == "&lt;!channel&gt; &amp; &lt;http://evil|innocent&gt;"


def test_mention_only_renders_things_shaped_like_user_ids() -> None:
    assert mention("U123ABC") == "<@U123ABC>"
    assert mention("<!here>") == "&lt;!here&gt;"


def test_pending_draft_has_its_decision_buttons_naming_the_revision_and_hash() -> None:
    _, blocks = draft_message(view())
    (actions,) = [b for b in blocks if b["type"] == "actions"]
    assert [e["action_id"] for e in actions["elements"]] == list(action_ids.DRAFT_BUTTONS)
    assert parse_button_value(actions["elements"][0]["value"]) == (7, 2, "ab" * 32)


def test_draft_text_is_shown_exactly_as_plain_text() -> None:
    text = "Ship it <!channel> *now* & :tada:"
    _, blocks = draft_message(view(text=text))
    body = next(b for b in blocks if b["type"] == "section")["text"]
    assert body == {"type": "plain_text", "text": text, "emoji": False}


def test_topic_in_the_parent_message_cannot_ping_anyone() -> None:
    fallback, blocks = parent_message(view(topic="<!here> big news <@U999|boss>"))
    assert "<!here>" not in str(blocks) and "<!here>" not in fallback
    assert "&lt;!here&gt;" in blocks[0]["text"]["text"]


def test_needs_attention_hides_approve_and_lists_problems() -> None:
    _, blocks = draft_message(view(status="needs_attention", problems=("Too long for x: 300/280",)))
    (actions,) = [b for b in blocks if b["type"] == "actions"]
    assert action_ids.APPROVE not in [e["action_id"] for e in actions["elements"]]
    assert "Too long for x" in str(blocks)


def test_decided_draft_has_no_buttons_and_says_who_and_when() -> None:
    _, blocks = draft_message(
        view(
            status="published",
            decided_by="U_ALICE",
            decided_at=datetime(2026, 11, 22, 9, 30),
            outcomes=("dryrun: published",),
        )
    )
    assert not [b for b in blocks if b["type"] == "actions"]
    assert "<@U_ALICE>" in str(blocks) and "2026-11-22 09:30 UTC" in str(blocks)


def test_very_long_drafts_stay_within_block_kit_limits() -> None:
    _, blocks = draft_message(view(text="word " * 60_000))
    assert len(blocks) <= MAX_BLOCKS
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    assert "too long to show whole" in str(blocks)


def test_chunks_split_on_line_breaks_and_keep_everything() -> None:
    text = "\n".join(f"line {i} " + "x" * 50 for i in range(200))
    parts = chunks(text, 3000)
    assert all(len(p) <= 3000 for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")


def test_sources_and_score_are_shown_and_links_cannot_be_spoofed() -> None:
    _, blocks = draft_message(
        view(
            sources=(("Release notes", "https://example.com/r"), ("Evil <!here>", "http://x|<!channel>")),
            score=7.25,
            score_reasons=("clear hook", "uses 80% of the limit"),
        )
    )
    text = str(blocks)
    assert "<https://example.com/r|Release notes>" in text
    assert "<!here>" not in text and "<!channel>" not in text
    assert "*Score* 7.2/10 — clear hook; uses 80% of the limit" in text


def test_expired_and_failed_drafts_offer_only_regenerate() -> None:
    for status in ("expired", "failed"):
        _, blocks = draft_message(view(status=status))
        (actions,) = [b for b in blocks if b["type"] == "actions"]
        assert [e["action_id"] for e in actions["elements"]] == [action_ids.REGENERATE]
