"""The draft message shows what each fact rests on: numbered references, where every claim was
found (by our check and by the model), the claims no source supports with the button to vouch for
them, the score's parts, and a plain note when nothing matched the topic."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.blocks import action_ids
from bot.blocks.draft import DraftView, draft_message
from bot.blocks.grounding import ClaimView, claim_views
from bot.blocks.reports import history
from storage.models import AuditEvent, Draft

CLAIMS = (
    ClaimView("900 ms", "number", True, sources=(1,), found=True, model_found=True, model_sources=(1,)),
    ClaimView("GitHub Actions", "name", True, in_topic=True, found=True),
    ClaimView("3× faster", "number", False, found=False, model_found=False),
)


def view(**overrides: Any) -> DraftView:
    base: dict[str, Any] = dict(
        draft_id=7,
        topic="CI",
        requester_id="U_CAROL",
        status="pending",
        destinations=("dryrun",),
        revision=1,
        text="Search is 3× faster.",
        sha256="ab" * 32,
        sources=(("Release 2.4", "https://example.com/2-4"), ("Customer notes", None)),
        score=5.0,
        score_parts=(("relevance", 10.0), ("support", 3.3), ("length", 10.0), ("tone", 9.0)),
        score_reasons=("Claims not in any source, so at most 5.",),
        claims=CLAIMS,
    )
    base.update(overrides)
    return DraftView(**base)


def buttons(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_references_are_numbered_and_each_claim_names_where_it_was_found() -> None:
    _, blocks = draft_message(view())
    shown = str(blocks)
    assert "[1] <https://example.com/2-4|Release 2.4> · [2] Customer notes" in shown
    assert "‘900 ms’ [1] · model: [1]" in shown and "‘GitHub Actions’ topic" in shown
    assert "*Score* 5.0/10 (relevance 10 · support 3.3 · length 10 · tone 9)" in shown


def test_an_unsupported_claim_is_highlighted_and_offers_the_accept_button_with_a_confirmation() -> None:
    _, blocks = draft_message(view())
    assert "not in any source: ‘3× faster’ (not found · model: not found)" in str(blocks)
    assert "Approval waits" in str(blocks)
    assert buttons(blocks)[:3] == [action_ids.APPROVE, action_ids.SCHEDULE, action_ids.ACCEPT_CLAIMS]
    accept = next(
        e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == action_ids.ACCEPT_CLAIMS
    )
    assert "‘3× faster’" in accept["confirm"]["text"]["text"]


def test_once_accepted_the_claims_stay_visible_with_who_vouched_and_the_button_goes() -> None:
    _, blocks = draft_message(view(claims_accepted_by="U_ALICE"))
    assert "‘3× faster’" in str(blocks) and "Accepted by <@U_ALICE>" in str(blocks)
    assert action_ids.ACCEPT_CLAIMS not in buttons(blocks)


def test_a_draft_with_nothing_matched_says_so_and_claim_text_cannot_ping_anyone() -> None:
    _, blocks = draft_message(
        view(nothing_matched=True, sources=(), claims=(ClaimView("<!channel>", "quote", False, found=False),))
    )
    assert "No notes or sources matched this topic — add a link or notes and Regenerate." in str(blocks)
    mrkdwn = str([b for b in blocks if b["type"] in ("section", "context") and "mrkdwn" in str(b)])
    assert "<!channel>" not in mrkdwn and "&lt;!channel&gt;" in mrkdwn  # the confirm dialog is plain_text


def test_claims_are_read_back_from_a_stored_critique_ignoring_what_is_not_a_claim() -> None:
    stored = {
        "claims": [
            {"text": "3×", "kind": "number", "supported": False, "found": False, "sources": []},
            {"text": "", "kind": "name"},
            "junk",
            {"text": "Tokio", "kind": "name", "supported": True, "found": True, "sources": [2]},
        ]
    }
    assert claim_views(stored) == (
        ClaimView("3×", "number", False, found=False),
        ClaimView("Tokio", "name", True, sources=(2,), found=True),
    )


def test_history_shows_the_score_with_its_parts_and_who_vouched_for_what() -> None:
    when = datetime(2026, 11, 29, 9, 0)
    draft = Draft(id=7, topic="CI", permalink=None)
    events = [
        AuditEvent(
            kind="drafted",
            actor="signoff",
            created_at=when,
            detail={
                "revision": 1,
                "score": 5.0,
                "score_parts": {"relevance": 10.0, "support": 3.3},
                "unsupported": ["3× faster"],
            },
        ),
        AuditEvent(
            kind="claims_accepted", actor="U_ALICE", created_at=when, detail={"revision": 1, "claims": ["3× faster"]}
        ),
    ]
    text = history(draft, events, [])
    assert "score 5.0/10 (relevance 10, support 3.3)" in text
    assert "not in any source: ‘3× faster’" in text and "vouched for: ‘3× faster’" in text


def test_a_figure_given_only_in_feedback_still_waits_for_an_approver_and_says_where_it_came_from() -> None:
    _, blocks = draft_message(view(claims=(ClaimView("5×", "number", False, in_feedback=True, found=False),)))
    assert "not in any source: ‘5×’ (only in the feedback)" in str(blocks)
    assert action_ids.ACCEPT_CLAIMS in buttons(blocks)
