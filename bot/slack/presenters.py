"""Turn storage rows into the views the Block Kit builders render."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks.draft import DraftView
from bot.blocks.grounding import claim_views
from bot.blocks.publications import PublicationView
from bot.blocks.media import ImageView
from storage import media, queries
from storage.decisions import approvals_of
from storage.models import Draft, Publication, Revision


async def draft_view(session: AsyncSession, draft: Draft, *, required: int = 1) -> DraftView:
    revision = await queries.current_revision(session, draft)
    problems: tuple[str, ...] = ()
    if revision is not None and not revision.policy_ok:
        problems = tuple(revision.details.get("policy", {}).get("problems", []))
    outcomes: tuple[str, ...] = ()  # the publication blocks show one line per part instead
    publications = publication_views(draft, await queries.publications(session, draft.id))
    preview = tuple(revision.details.get("preview") or ()) if revision is not None else ()
    return DraftView(
        draft_id=draft.id,
        topic=draft.topic,
        requester_id=draft.requester_id,
        status=draft.status,
        destinations=tuple(draft.destinations or ()),
        revision=revision.number if revision else 0,
        text=revision.text if revision else "",
        sha256=revision.sha256 if revision else "",
        problems=problems,
        progress=draft.progress,
        decided_by=draft.decided_by,
        decided_at=draft.decided_at,
        error=draft.last_error,
        outcomes=outcomes,
        required=required,
        publish_at=draft.publish_at,
        publications=publications,
        preview=preview,
        **_context_of(revision.details if revision else {}),
        claims_accepted_by=revision.claims_accepted_by if revision else None,
        approvals=await approvals_of(session, draft.id, revision.number) if revision else (),
        images=await image_views(session, draft.id, revision.number) if revision else (),
        media_rules=_media_of(revision).get("rules"),
        media_notes=tuple(str(n) for n in _media_of(revision).get("notes") or ()),
    )


def _media_of(revision: Revision | None) -> dict:
    """What the worker stored about a revision's images (storage/media.py MediaCheck)."""
    stored = (revision.details or {}).get("media") if revision is not None else None
    return stored if isinstance(stored, dict) else {}


async def image_views(session: AsyncSession, draft_id: int, revision: int) -> tuple[ImageView, ...]:
    return tuple(
        ImageView(m.position, m.name, m.width, m.height, m.size, m.alt)
        for m in await media.media_of(session, draft_id, revision)
    )


def publication_views(draft: Draft, rows: list[Publication]) -> tuple[PublicationView, ...]:
    """In the order the destinations were chosen; a destination with no row yet shows as queued."""
    chosen = list(draft.destinations or ())
    order = chosen + sorted({r.destination for r in rows} - set(chosen))
    views: list[PublicationView] = []
    for name in order:
        mine = sorted((r for r in rows if r.destination == name), key=lambda r: r.part)
        if not mine and draft.status in ("approved", "publishing"):
            views.append(PublicationView(0, name, 0, "queued"))
        views += [PublicationView(r.id, r.destination, r.part, r.status, r.url, r.external_id, r.error) for r in mine]
    return tuple(views)


def _context_of(details: dict) -> dict:
    critique = details.get("critique") or {}
    sources = tuple(
        (str(src.get("title") or ""), src.get("url")) for src in details.get("sources") or [] if isinstance(src, dict)
    )
    parts = tuple(
        (str(p.get("name")), float(p.get("score") or 0))
        for p in critique.get("parts") or []
        if isinstance(p, dict) and p.get("name")
    )
    return {
        "sources": sources,
        "score": critique.get("score"),
        "score_reasons": tuple(critique.get("reasons") or ()),
        "score_parts": parts,
        "claims": claim_views(critique),
        "nothing_matched": bool(critique.get("nothing_matched")),
    }


def parent_view(draft: Draft) -> DraftView:
    """The parent line shows topic, requester, status and progress: the draft row alone, no queries."""
    return DraftView(
        draft_id=draft.id,
        topic=draft.topic,
        requester_id=draft.requester_id,
        status=draft.status,
        destinations=tuple(draft.destinations or ()),
        revision=draft.current_revision,
        progress=draft.progress,
    )
