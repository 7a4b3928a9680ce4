"""A pipeline run's life: started, then a new revision or a failure, each with its audit event.

Every draft goes through here, so each step is a few Core statements: compare-and-set on the run's
status (`UPDATE … WHERE status = 'running' RETURNING …`) instead of loading rows to check them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from storage import audit, search
from storage.claims import score_summary, unsupported_claims
from storage.media_rules import judged
from storage.models import Draft, Revision, Run
from storage.redaction import redactor_of
from storage.states import DraftStatus, RunStatus

_runs, _drafts = Run.__table__, Draft.__table__


def sha256_hex(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def revision_sha256(text: str, media: Sequence[tuple[str, str]] = ()) -> str:
    """What Approve binds: the text and each image's (sha256, alt text), in order. A revision
    without images keeps the plain text hash, so every hash stored before images existed holds."""
    if not media:
        return sha256_hex(text)
    canonical = json.dumps(
        {"text": text, "images": [{"sha256": sha, "alt": alt} for sha, alt in media]},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return sha256_hex("signoff-revision-with-media-v1\n" + canonical)


class _Described(Protocol):
    @property
    def sha256(self) -> str: ...
    @property
    def alt(self) -> str: ...


def hash_inputs(media: Sequence[_Described]) -> list[tuple[str, str]]:
    return [(m.sha256, m.alt) for m in media]


async def start(session: AsyncSession, run_id: int, *, now: datetime) -> Run | None:
    """Mark the run running; None when it already finished (a duplicate delivery of the job).
    A run found `running` is returned as it is: its worker died and this one takes over."""
    started = (
        await session.execute(
            update(Run)
            .where(Run.id == run_id, Run.status == RunStatus.queued.value)
            .values(status=RunStatus.running.value, started_at=now)
            .returning(Run)
            .execution_options(synchronize_session=False)
        )
    ).scalar_one_or_none()
    if started is not None:
        return started
    run = await session.get(Run, run_id)
    return run if run is not None and run.status == RunStatus.running.value else None


async def set_progress(session: AsyncSession, draft_id: int, phrase: str, *, now: datetime) -> None:
    await session.execute(update(_drafts).where(_drafts.c.id == draft_id).values(progress=phrase[:200], updated_at=now))


async def set_messages(
    session: AsyncSession,
    draft_id: int,
    *,
    parent_ts: str | None = None,
    message_ts: str | None = None,
    permalink: str | None = None,
) -> None:
    values = {k: v for k, v in (("parent_ts", parent_ts), ("message_ts", message_ts), ("permalink", permalink)) if v}
    if values:
        await session.execute(update(_drafts).where(_drafts.c.id == draft_id).values(**values))


async def record_revision(
    session: AsyncSession,
    run: Run,
    *,
    text: str,
    policy_ok: bool,
    details: dict[str, Any],
    stages: list[Any],
    now: datetime,
    expires_at: datetime | None = None,
) -> Revision | None:
    """The run succeeded: store its text as the next revision and open the draft for decision.

    None when the run is no longer running (cancelled meanwhile): its result is dropped.
    """
    # The text is what gets approved and published, byte for byte; what the run noted about it
    # (sources, warnings, previews) is free text from elsewhere and is redacted.
    redactor = redactor_of(session)
    details, stages = redactor.redact_value(details), redactor.redact_value(stages)
    current = await _lock_draft(session, run.draft_id)
    run_number = await _end_run(session, run, RunStatus.succeeded, now=now, stages=stages)
    if run_number is None:
        return None
    number = current + 1
    # A rewrite keeps the images of the revision it replaces (they are a person's, not the writer's).
    from storage import media as draft_media  # storage/media.py builds on this module

    images = await draft_media.media_of(session, run.draft_id, current) if current else []
    if images:
        before = await session.scalar(
            select(Revision.details).where(Revision.draft_id == run.draft_id, Revision.number == current)
        )
        details = dict(details)
        policy_ok, _ = judged(
            details,
            images,
            (before or {}).get("media"),
            policy_ok=policy_ok,
            problems=list(details.get("policy", {}).get("problems", [])),
        )
    revision = Revision(
        draft_id=run.draft_id,
        number=number,
        text=text,
        sha256=revision_sha256(text, hash_inputs(images)),
        author="pipeline",
        run_id=run.id,
        policy_ok=policy_ok,
        details=details,
        created_at=now,
        unsupported_claims=len(unsupported_claims(details)),
    )
    session.add(revision)
    if images:
        await draft_media.copy_media(session, run.draft_id, current, number)
    status = DraftStatus.pending if policy_ok else DraftStatus.needs_attention
    await session.execute(
        update(_drafts)
        .where(_drafts.c.id == run.draft_id)
        .values(
            current_revision=number,
            status=status.value,
            version=_drafts.c.version + 1,
            progress=None,
            last_error=None,
            updated_at=now,
            **({"expires_at": expires_at} if expires_at else {}),
        )
    )
    await audit.append(
        session,
        kind="drafted",
        actor="signoff",
        now=now,
        draft_id=run.draft_id,
        detail={
            "run": run_number,
            "revision": number,
            "sha256": revision.sha256,
            "policy_ok": policy_ok,
            "problems": details.get("policy", {}).get("problems", []),
            **score_summary(details),
        },
    )
    await search.index(session, draft_id=run.draft_id, kind="revision", body=text)
    await session.flush()
    await _refresh_if_held(session, run.draft_id)
    return revision


async def fail(session: AsyncSession, run: Run, *, error: str, now: datetime, kind: str | None = None) -> None:
    """The run could not produce a draft: the draft fails visibly, with Regenerate. `kind` is a
    short machine word for what went wrong (model_timeout, model_auth, unexpected …). `error` is
    shown in the thread and kept on the run, the draft and the audit event: a model endpoint that
    echoes its API key in a refusal must not put the key in any of them."""
    error = redactor_of(session).redact(error)
    await _lock_draft(session, run.draft_id)
    run_number = await _end_run(session, run, RunStatus.failed, now=now, error=error)
    if run_number is None:
        return
    await session.execute(
        update(_drafts)
        .where(_drafts.c.id == run.draft_id, _drafts.c.status == DraftStatus.generating.value)
        .values(
            status=DraftStatus.failed.value,
            version=_drafts.c.version + 1,
            progress=None,
            last_error=error,
            updated_at=now,
        )
    )
    await audit.append(
        session,
        kind="failed",
        actor="signoff",
        now=now,
        draft_id=run.draft_id,
        detail={"run": run_number, "error": error, **({"kind": kind} if kind else {})},
    )
    await session.flush()


async def give_up(session: AsyncSession, run_id: int, *, error: str, now: datetime) -> int | None:
    """The run's job was given up (it kept failing, or its workers kept dying): the run and a
    draft still being written fail visibly, with the audit event. Returns the draft id."""
    error = redactor_of(session).redact(error)
    draft_id: int | None = (
        await session.execute(select(_runs.c.draft_id).where(_runs.c.id == run_id))
    ).scalar_one_or_none()
    if draft_id is None:
        return None
    await _lock_draft(session, draft_id)
    number: int | None = (
        await session.execute(
            update(_runs)
            .where(_runs.c.id == run_id, _runs.c.status.in_((RunStatus.queued.value, RunStatus.running.value)))
            .values(status=RunStatus.failed.value, finished_at=now, error=error)
            .returning(_runs.c.number)
        )
    ).scalar_one_or_none()
    if number is None:
        return draft_id  # it had finished after all; nothing to undo
    await session.execute(
        update(_drafts)
        .where(_drafts.c.id == draft_id, _drafts.c.status == DraftStatus.generating.value)
        .values(
            status=DraftStatus.failed.value,
            version=_drafts.c.version + 1,
            progress=None,
            last_error=error,
            updated_at=now,
        )
    )
    await audit.append(
        session,
        kind="failed",
        actor="signoff",
        now=now,
        draft_id=draft_id,
        detail={"run": number, "error": error, "gave_up": True},
    )
    await session.flush()
    await _refresh_if_held(session, draft_id)
    return draft_id


async def _lock_draft(session: AsyncSession, draft_id: int) -> int:
    """Lock the draft row before the run's (cancel does too: one order, no deadlock on PostgreSQL);
    returns its current revision number."""
    revision: int = (
        await session.execute(select(_drafts.c.current_revision).where(_drafts.c.id == draft_id).with_for_update())
    ).scalar_one()
    return revision


async def _end_run(
    session: AsyncSession, run: Run, status: RunStatus, *, now: datetime, **values: object
) -> int | None:
    """running → `status`, compare-and-set; the run's number, or None when it was no longer running."""
    number: int | None = (
        await session.execute(
            update(_runs)
            .where(_runs.c.id == run.id, _runs.c.status == RunStatus.running.value)
            .values(status=status.value, finished_at=now, **values)
            .returning(_runs.c.number)
        )
    ).scalar_one_or_none()
    if number is not None:
        # The caller's instance shows what was written, without the session writing it again.
        for key, value in {"status": status.value, "finished_at": now, **values}.items():
            set_committed_value(run, key, value)
    return number


async def _refresh_if_held(session: AsyncSession, draft_id: int) -> None:
    """A caller that loaded the draft in this session sees the new revision, as before."""
    held = session.identity_map.get(session.identity_key(Draft, draft_id))
    if held is not None:
        await session.refresh(held)
