"""A draft's facts are traceable: through the real bot and worker, a model writes a draft with one
claim no source supports; the message numbers its references and flags the claim; Approve is refused
until an approver (and only an approver) accepts it, which is audited; then the draft is approved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.blocks import action_ids
from launch.local_slack.stack import LocalStack
from storage.db import create_engine, create_sessionmaker
from storage.models import AuditEvent
from tests.e2e.conftest import shows, wait_for_draft
from tests.e2e.fake_llm import FakeLLM

NOTE = (
    "# Release 2.4: faster search\n\nSearch is now three times faster on large workspaces: queries that "
    "took 900 ms now return in under 300 ms.\n"
)
DRAFT = "Release 2.4 makes search 4× faster: queries now return in under 300 ms. #Search"
REVIEW = {
    "score": 8,
    "reasons": ["Clear opening."],
    "claims": [
        {"claim": "300 ms", "supported": True, "sources": [1]},
        {"claim": "4× faster", "supported": False, "sources": []},
    ],
}


def answer(body: dict[str, Any]) -> str:
    """The writer gets the draft; the reviewer (asked to check claims) gets its verdicts."""
    asked = " ".join(m["content"] for m in body["messages"])
    return json.dumps(REVIEW) if "fact checker" in asked else DRAFT


async def audit_events(database_url: str) -> list[AuditEvent]:
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return list(await session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    finally:
        await engine.dispose()


def buttons(message) -> list[str]:  # type: ignore[no-untyped-def]
    return [e["action_id"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


async def test_an_unsupported_claim_blocks_approval_until_an_approver_vouches_for_it(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "release-2.4.md").write_text(NOTE)
    llm = FakeLLM(answer=answer)
    llm_url = await llm.start()
    try:
        async with LocalStack(
            database_url=database_url,
            redis_url=redis_url,
            approvers=("U_ALICE", "U_BOB"),
            llm_base_url=llm_url,
            llm_api_key="sk-local-test",
            signoff_notes_dir=str(notes),
            signoff_fetch_topic_urls=False,
        ) as stack:
            await stack.user("U_CAROL").slash("/draft", "faster search in release 2.4")
            draft = await wait_for_draft(stack.slack)
            slack = stack.slack

            # References are numbered; each claim says where it was found, by us and by the model.
            assert shows(draft, "*References* [1] Release 2.4: faster search")
            assert shows(draft, "‘300 ms’ [1] · model: [1]")
            assert shows(draft, "not in any source: ‘4×’ (not found · model: not found)")
            assert action_ids.ACCEPT_CLAIMS in buttons(draft)

            # Approve is refused while the claim is unaccepted.
            before = len(slack.ephemerals)
            await stack.user("U_ALICE").click(draft, action_ids.APPROVE)
            (refusal,) = await slack.wait_for(lambda: slack.ephemerals[before:], 10)
            assert "no source supports" in refusal["text"] and refusal["user"] == "U_ALICE"

            # Only an approver may vouch for it; the requester and a bystander are refused.
            before = len(slack.ephemerals)
            await stack.user("U_DAVE").click(draft, action_ids.ACCEPT_CLAIMS)
            (not_allowed,) = await slack.wait_for(lambda: slack.ephemerals[before:], 10)
            assert "not allowed to accept claims on drafts" in not_allowed["text"]

            await stack.user("U_ALICE").click(draft, action_ids.ACCEPT_CLAIMS)
            await slack.wait_for(lambda: shows(draft, "Accepted by <@U_ALICE>"), 10)
            assert action_ids.ACCEPT_CLAIMS not in buttons(draft)

            await stack.user("U_ALICE").click(draft, action_ids.APPROVE)
            await slack.wait_for(lambda: shows(draft, "Published"), 15)
    finally:
        await llm.stop()

    events = await audit_events(database_url)
    kinds = [e.kind for e in events]
    assert kinds.index("claims_accepted") < kinds.index("approved")
    (accepted,) = [e for e in events if e.kind == "claims_accepted"]
    assert accepted.actor == "U_ALICE" and accepted.detail["claims"] == ["4×"]
    assert any(e.kind == "refused" and e.actor == "U_DAVE" and e.detail["action"] == "accept claims on" for e in events)
    (drafted,) = [e for e in events if e.kind == "drafted"]
    assert drafted.detail["unsupported"] == ["4×"] and drafted.detail["score"] <= 5
    assert set(drafted.detail["score_parts"]) == {"relevance", "support", "length", "tone"}
