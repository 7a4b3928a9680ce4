"""A draft's images: attach, remove, set alt text — each a new revision (same text, new media) with
its audit event, in the caller's transaction, and never on a revision someone has moved past.

The revision's sha256 (what Approve binds) covers the text and every image's sha256 and alt text in
order (`runs.revision_sha256`), so an approval of the revision before an image changed is refused
like one of an older text. Whether a revision's images can go out is decided by the caller, which
knows the destinations: it passes their alt-text rules and the problems that do not depend on alt
text (`MediaCheck`, storage/media_rules.py); the alt-text problems are worked out here, so a later alt
change, made where the destinations are not known, is judged by the same rules.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import queries
from storage.decisions import locked_draft
from storage.media_models import DraftMedia, MediaBlob
from storage.media_rules import MediaCheck, alt_problems
from storage.models import Draft, Revision
from storage.runs import hash_inputs, revision_sha256
from storage.states import DraftStatus
from storage.transitions import Outcome, Refusal, refused, transition

EDITABLE = (DraftStatus.pending.value, DraftStatus.needs_attention.value)
MAX_IMAGES = 10  # what any destination could carry; more is refused before anything is stored
MAX_ALT_CHARS = 2000  # the longest alt text any destination takes (Bluesky's app)
MAX_NAME_CHARS = 200


class MediaSource(str, Enum):
    slack_file = "slack_file"
    url = "url"


@dataclass(frozen=True)
class NewImage:
    """A cleaned image to attach (destinations/media/image.py made `data`; `sha256` is its digest)."""

    data: bytes = field(repr=False)
    sha256: str
    mime: str
    width: int
    height: int
    name: str
    source: MediaSource
    source_ref: str | None = None
    alt: str = ""


@dataclass(frozen=True)
class MediaItem:
    """One image of a revision, without its bytes."""

    position: int
    sha256: str
    mime: str
    width: int
    height: int
    size: int
    name: str
    alt: str
    source: str
    source_ref: str | None
    added_by: str
    added_at: datetime


async def media_of(session: AsyncSession, draft_id: int, revision: int) -> list[MediaItem]:
    rows = await session.execute(
        select(DraftMedia, MediaBlob.mime, MediaBlob.width, MediaBlob.height, func.length(MediaBlob.data))
        .join(MediaBlob, MediaBlob.sha256 == DraftMedia.sha256)
        .where(DraftMedia.draft_id == draft_id, DraftMedia.revision == revision)
        .order_by(DraftMedia.position)
    )
    return [
        MediaItem(
            m.position,
            m.sha256,
            mime,
            width,
            height,
            int(size or 0),
            m.name,
            m.alt,
            m.source,
            m.source_ref,
            m.added_by,
            m.added_at,
        )
        for m, mime, width, height, size in rows
    ]


async def data_of(session: AsyncSession, sha256s: Sequence[str]) -> dict[str, bytes]:
    """The stored bytes by sha256 (the publish job reads them; nothing else needs them)."""
    if not sha256s:
        return {}
    rows = await session.execute(select(MediaBlob.sha256, MediaBlob.data).where(MediaBlob.sha256.in_(set(sha256s))))
    return {sha: bytes(data) for sha, data in rows}


async def copy_media(session: AsyncSession, draft_id: int, from_revision: int, to_revision: int) -> list[MediaItem]:
    """A new revision of the text keeps the images of the one it replaces (runs.py, edits.py)."""
    media = await media_of(session, draft_id, from_revision) if from_revision else []
    if media:
        await session.execute(
            insert(DraftMedia.__table__),
            [
                {
                    "draft_id": draft_id,
                    "revision": to_revision,
                    "position": m.position,
                    "sha256": m.sha256,
                    "name": m.name,
                    "alt": m.alt,
                    "source": m.source,
                    "source_ref": m.source_ref,
                    "added_by": m.added_by,
                    "added_at": m.added_at,
                }
                for m in media
            ],
        )
    return media


async def attach(
    session: AsyncSession,
    *,
    draft_id: int,
    images: Sequence[NewImage],
    user_id: str,
    now: datetime,
    check: MediaCheck,
    base_revision: int | None = None,
) -> Outcome:
    """Append `images` to the current revision's. An image whose `source_ref` the revision already
    has is skipped, so a job that runs twice attaches once; with nothing new, `Outcome.revision` is None."""
    row = await locked_draft(session, draft_id)
    if (refusal := _refusal(row, base_revision)) is not None:
        return refused(refusal, row)
    current = await media_of(session, draft_id, row.current_revision)
    known = {m.source_ref for m in current if m.source_ref}
    fresh = [i for i in images if not (i.source_ref and i.source_ref in known)]
    if not fresh:
        return Outcome(True, row)
    if len(current) + len(fresh) > MAX_IMAGES:
        return refused(Refusal.too_many_images, row)
    for image in fresh:
        await _store_blob(session, image, now)
    added = [
        MediaItem(
            len(current) + n,
            i.sha256,
            i.mime,
            i.width,
            i.height,
            len(i.data),
            i.name[:MAX_NAME_CHARS],
            i.alt[:MAX_ALT_CHARS],
            i.source.value,
            i.source_ref,
            user_id,
            now,
        )
        for n, i in enumerate(fresh)
    ]
    return await _new_revision(
        session,
        row,
        current + added,
        kind="media_attached",
        actor=user_id,
        now=now,
        check=check,
        detail={"added": [_brief(m) for m in added]},
    )


async def remove(
    session: AsyncSession,
    *,
    draft_id: int,
    base_revision: int,
    position: int,
    user_id: str,
    now: datetime,
    check: MediaCheck | None = None,
) -> Outcome:
    row = await locked_draft(session, draft_id)
    if (refusal := _refusal(row, base_revision)) is not None:
        return refused(refusal, row)
    current = await media_of(session, draft_id, row.current_revision)
    if not any(m.position == position for m in current):
        return refused(Refusal.no_such_image, row)
    return await _revise(session, row, current, [m.alt for m in current], {position}, user_id, now, check)


async def set_alt(
    session: AsyncSession,
    *,
    draft_id: int,
    base_revision: int,
    alts: Sequence[str],
    user_id: str,
    now: datetime,
    remove: Collection[int] = (),
    check: MediaCheck | None = None,
) -> Outcome:
    """`alts[i]` becomes image i's alt text (the caller has checked it like any text a person wrote);
    the images at positions in `remove` go. One new revision for both, none when nothing changed.
    `check` judges what is left after a removal (the worker's, which knows the destinations)."""
    row = await locked_draft(session, draft_id)
    if (refusal := _refusal(row, base_revision)) is not None:
        return refused(refusal, row)
    current = await media_of(session, draft_id, row.current_revision)
    if len(alts) != len(current):
        return refused(Refusal.stale_revision, row)
    if any(p not in range(len(current)) for p in remove):
        return refused(Refusal.no_such_image, row)
    return await _revise(session, row, current, alts, set(remove), user_id, now, check)


async def _revise(
    session: AsyncSession,
    row: Draft,
    current: list[MediaItem],
    alts: Sequence[str],
    remove: set[int],
    user_id: str,
    now: datetime,
    check: MediaCheck | None = None,
) -> Outcome:
    described = [replace(m, alt=alt.strip()[:MAX_ALT_CHARS]) for m, alt in zip(current, alts, strict=True)]
    if described == current and not remove:
        return Outcome(True, row)
    changed = [
        {"position": m.position, "alt": m.alt}
        for m, old in zip(described, current, strict=True)
        if m.alt != old.alt and m.position not in remove
    ]
    if not remove:
        return await _new_revision(
            session, row, described, kind="alt_text_set", actor=user_id, now=now, detail={"changed": changed}
        )
    kept = [replace(m, position=n) for n, m in enumerate(m for m in described if m.position not in remove)]
    if check is None:
        # Without a fresh check, what was wrong with the images still is (a destination that takes
        # none still takes none): kept as it was, so a removal never unblocks what it should not.
        base = await queries.revision(session, row.id, row.current_revision)
        check = replace(MediaCheck.from_json((base.details or {}).get("media") if base else None), notes=())
    return await _new_revision(
        session,
        row,
        kept,
        kind="media_removed",
        actor=user_id,
        now=now,
        check=check,
        detail={"removed": [_brief(m) for m in current if m.position in remove], "changed": changed},
    )


def _refusal(row: Draft, base_revision: int | None) -> Refusal | None:
    if row.status == DraftStatus.generating.value:
        return Refusal.not_ready
    if row.status not in EDITABLE:
        return Refusal.already_decided
    if not row.current_revision or (base_revision is not None and row.current_revision != base_revision):
        return Refusal.stale_revision
    return None


async def _store_blob(session: AsyncSession, image: NewImage, now: datetime) -> None:
    """Content-addressed: the same bytes are stored once, whoever attaches them to what."""
    if await session.scalar(select(MediaBlob.sha256).where(MediaBlob.sha256 == image.sha256)) is not None:
        return
    async with session.begin_nested():  # two attaches of one image at once: the second finds the first's
        await session.execute(
            insert(MediaBlob.__table__).values(
                sha256=image.sha256,
                mime=image.mime,
                width=image.width,
                height=image.height,
                data=image.data,
                created_at=now,
            )
        )


async def _new_revision(
    session: AsyncSession,
    row: Draft,
    media: list[MediaItem],
    *,
    kind: str,
    actor: str,
    now: datetime,
    detail: dict[str, Any],
    check: MediaCheck | None = None,
) -> Outcome:
    base = await queries.revision(session, row.id, row.current_revision)
    assert base is not None  # _refusal made sure the draft has a current revision
    details = dict(base.details or {})
    check = check if check is not None else MediaCheck.from_json(details.get("media"))
    previous = set((details.get("media") or {}).get("all_problems") or ())
    policy = details.get("policy") or {}
    text_problems = [p for p in policy.get("problems") or [] if p not in previous]
    text_ok = base.policy_ok or (bool(previous) and not text_problems)
    media_problems = (list(check.problems) + alt_problems(check, media)) if media else []
    ok = text_ok and not media_problems
    details["policy"] = {**policy, "ok": ok, "problems": text_problems + media_problems}
    details["media"] = {**check.as_json(), "all_problems": media_problems}
    number = row.current_revision + 1
    sha = revision_sha256(base.text, hash_inputs(media))
    status = DraftStatus.pending if ok else DraftStatus.needs_attention
    outcome = await transition(
        session,
        row,
        from_status=row.status,
        values={"current_revision": number, "status": status.value, "updated_at": now},
        kind=kind,
        actor=actor,
        now=now,
        detail={
            "from_revision": base.number,
            "revision": number,
            "sha256": sha,
            "policy_ok": ok,
            "problems": media_problems,
            "images": [_brief(m) for m in media],
            **detail,
        },
    )
    if not outcome.ok:
        return outcome
    revision = Revision(
        draft_id=row.id,
        number=number,
        text=base.text,
        sha256=sha,
        author=actor,
        run_id=base.run_id,
        policy_ok=ok,
        details=details,
        created_at=now,
        unsupported_claims=base.unsupported_claims,
        claims_accepted_by=base.claims_accepted_by,
        claims_accepted_at=base.claims_accepted_at,
    )
    session.add(revision)
    if media:
        await session.execute(
            insert(DraftMedia.__table__),
            [
                {
                    "draft_id": row.id,
                    "revision": number,
                    "position": m.position,
                    "sha256": m.sha256,
                    "name": m.name,
                    "alt": m.alt,
                    "source": m.source,
                    "source_ref": m.source_ref,
                    "added_by": m.added_by,
                    "added_at": m.added_at,
                }
                for m in media
            ],
        )
    await session.flush()
    return replace(outcome, revision=revision, previous_text=base.text)


def _brief(item: MediaItem) -> dict[str, Any]:
    return {"position": item.position, "sha256": item.sha256, "alt": item.alt, "name": item.name}
