"""Storage keeps no secret: errors, run details and audit events are redacted by the redactor the
sessionmaker carries, audit details before they are hashed (the chain still verifies), and the
audit export redacts what an older release may have stored. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import audit, intake, outbox, publications, queries, runs
from storage.db import create_engine, create_sessionmaker
from storage.models import AuditEvent, Publication, Run
from storage.redaction import Redactor
from storage.states import JobName

NOW = datetime(2026, 11, 22, 12, 0)
KEY = "local-model-key-7c1d9e2f"
ECHO = f"the model endpoint refused the request (401): Incorrect API key provided: {KEY}"


@pytest.fixture
async def redacting(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    yield create_sessionmaker(engine, redactor=Redactor([KEY]))
    await engine.dispose()


async def _running(sessionmaker: async_sessionmaker[AsyncSession]) -> Run:
    async with sessionmaker.begin() as session:
        accepted = await intake.request_draft(
            session,
            team_id="T",
            channel_id="C",
            user_id="U_REQ",
            topic="release notes",
            destinations=["webhook"],
            now=NOW,
        )
        run = await runs.start(session, accepted.run_id, now=NOW)
        assert run is not None
        return run


async def _events(sessionmaker: async_sessionmaker[AsyncSession]) -> list[AuditEvent]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


async def test_a_failed_run_keeps_its_error_on_the_run_the_draft_and_the_audit_event_redacted(
    redacting: async_sessionmaker[AsyncSession],
) -> None:
    run = await _running(redacting)
    async with redacting.begin() as session:
        await runs.fail(session, run, error=ECHO, now=NOW)
    expected = "the model endpoint refused the request (401): Incorrect API key provided: [redacted]"
    async with redacting() as session:
        draft = await queries.draft(session, run.draft_id)
        stored_run = await session.get(Run, run.id)
        report = await audit.verify(session)
    assert stored_run is not None
    assert (draft.status, draft.last_error, stored_run.error, run.error) == ("failed", expected, expected, expected)
    assert (await _events(redacting))[-1].detail == {"run": 1, "error": expected}
    assert report.ok, report.reason  # hashed after redaction: the stored detail is what the hash covers


async def test_a_revisions_details_and_stages_are_redacted_and_its_text_is_kept_exactly(
    redacting: async_sessionmaker[AsyncSession],
) -> None:
    run = await _running(redacting)
    text = f"Our API key is not {KEY}, promise."  # the approved text is published byte for byte
    async with redacting.begin() as session:
        revision = await runs.record_revision(
            session,
            run,
            text=text,
            policy_ok=True,
            now=NOW,
            details={"sources": [f"https://feeds.example/rss?key={quote(KEY)}"], "warnings": [f"echo {KEY}"]},
            stages=[{"name": "write", "warnings": [f"the model said {KEY}"]}],
        )
    assert revision is not None and revision.text == text and revision.sha256 == runs.sha256_hex(text)
    assert revision.details == {
        "sources": ["https://feeds.example/rss?key=[redacted]"],
        "warnings": ["echo [redacted]"],
    }
    async with redacting() as session:
        assert (await session.get(Run, run.id)).stages == [{"name": "write", "warnings": ["the model said [redacted]"]}]  # type: ignore[union-attr]


async def test_an_outbox_rows_last_error_is_redacted_when_released_and_when_finished(
    redacting: async_sessionmaker[AsyncSession],
) -> None:
    run = await _running(redacting)
    async with redacting.begin() as session:
        job = await outbox.add(session, job=JobName.publish_draft, args={"draft_id": run.draft_id}, now=NOW)
        await outbox.release(session, job.id, error=ECHO, due_at=NOW + timedelta(seconds=5))
    async with redacting() as session:
        assert (await outbox.get(session, job.id)).last_error.endswith("provided: [redacted]")  # type: ignore[union-attr]
    async with redacting.begin() as session:
        await outbox.finish(session, job.id, now=NOW, error=f"gave up: {json.dumps(KEY)}")
    async with redacting() as session:
        assert (await outbox.get(session, job.id)).last_error == 'gave up: "[redacted]"'  # type: ignore[union-attr]


async def test_publication_errors_and_their_audit_events_are_redacted(
    redacting: async_sessionmaker[AsyncSession],
) -> None:
    run = await _running(redacting)
    claimed = []
    for part in range(2):
        async with redacting.begin() as session:
            claim = await publications.claim(
                session,
                draft_id=run.draft_id,
                revision=1,
                destination="webhook",
                part=part,
                sha256="0" * 64,
                idempotency_key=f"key-{part}",
                now=NOW,
            )
            claimed.append(claim.publication.id)
    async with redacting.begin() as session:
        await publications.failed(
            session, claimed[0], error=f'webhook refused the post (401): {{"secret": "{KEY}"}}', retry=False, now=NOW
        )
        await publications.unconfirmed(session, claimed[1], why=f"timed out; receiver said {quote(KEY)}", now=NOW)
        await publications.resending(session, claimed[1], why=f"resend with {KEY}", now=NOW)
    async with redacting() as session:
        rows = list(await session.scalars(select(Publication).order_by(Publication.part)))
        report = await audit.verify(session)
    assert [r.error for r in rows] == [
        'webhook refused the post (401): {"secret": "[redacted]"}',
        "timed out; receiver said [redacted]",
    ]
    details = {e.kind: e.detail for e in await _events(redacting)}
    assert details["publish_failed"]["error"] == rows[0].error
    assert details["publish_unconfirmed"]["why"] == rows[1].error
    assert details["publish_resend"]["why"] == "resend with [redacted]"
    assert report.ok, report.reason


async def test_a_sessionmaker_without_a_redactor_still_removes_token_shaped_strings(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        plain = create_sessionmaker(engine)
        run = await _running(plain)
        async with plain.begin() as session:
            await runs.fail(session, run, error="Slack said: invalid_auth for " + "xox" + "b-1-2-abcdef", now=NOW)
        async with plain() as session:
            assert (await queries.draft(session, run.draft_id)).last_error == "Slack said: invalid_auth for [redacted]"
    finally:
        await engine.dispose()


async def test_the_audit_export_redacts_what_an_older_release_stored_and_says_so(
    redacting: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    # An event written by a release that did not redact: a sessionmaker that does not know the key.
    engine = create_engine(database_url)
    try:
        unaware = create_sessionmaker(engine)
        async with unaware.begin() as session:
            await audit.append(session, kind="failed", actor="signoff", now=NOW, detail={"error": ECHO})
            await audit.append(session, kind="config_changed", actor="U_ADMIN", now=NOW, detail={"key": "approvers"})
    finally:
        await engine.dispose()
    async with redacting() as session:
        lines = [json.loads(line) async for line in audit.export_lines(session)]
        assert (await audit.verify(session)).ok
    assert [line["kind"] for line in lines] == ["failed", "config_changed"]
    assert lines[0]["detail"]["error"].endswith("provided: [redacted]") and lines[0]["redacted"] is True
    assert "redacted" not in lines[1]
    assert lines[1]["prev_hash"] == lines[0]["hash"] and KEY not in json.dumps(lines)
