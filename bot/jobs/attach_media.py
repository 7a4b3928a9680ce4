"""The worker's image jobs: images shared in a draft's thread become a new revision of the draft;
images removed in the dialog leave one, with the rest judged again.

Each file is fetched from Slack with the bot token (bot/jobs/slack_files.py) and cleaned by
`load_image` (only its pixels survive: no EXIF, no GPS). The destinations say what they would make
of the draft's images (their preflight, with and without the images) and what alt text they need;
storage/media.py attaches them under that check. Run twice, it attaches once: an image whose Slack
file id the revision already has is skipped, and the outbox row is done in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from bot import log_context
from bot.blocks.publications import label
from bot.jobs.deps import WorkerDeps, deps_of, job_try
from bot.jobs.leases import leased
from bot.jobs.slack_files import FileRefused, fetch
from bot.slack import notify
from destinations.base import Destination, Post
from destinations.media.fit import describe, fit_image, fits
from destinations.media.image import Image, ImageRefused, load_image
from destinations.media.limits import MediaLimits
from storage import media, outbox, queries
from storage.media import MediaSource, NewImage
from storage.media_rules import AltRule, MediaCheck
from storage.states import JobName
from storage.transitions import Refusal

log = logging.getLogger("signoff.worker.attach_media")
# Only to judge problems that do not depend on alt text; never stored or sent.
_SOME_ALT = "alt"


async def attach_media(ctx: dict[str, Any], outbox_id: int) -> str:
    log_context.bind(outbox_id=outbox_id, job=JobName.attach_media.value)
    deps = deps_of(ctx)
    return await leased(deps, outbox_id, lambda args: _attach(deps, outbox_id, args), attempt=job_try(ctx))


async def _attach(deps: WorkerDeps, outbox_id: int, args: dict) -> str:
    draft_id, user = int(args["draft_id"]), str(args["user_id"])
    log_context.bind(draft_id=draft_id)
    sm = deps.sessionmaker
    async with sm() as session:
        draft = await queries.draft(session, draft_id)
        base = draft.current_revision
        revision = await queries.revision(session, draft_id, base) if base else None
        current = await media.media_of(session, draft_id, base) if base else []
        known = {m.source_ref for m in current}
        stored = await media.data_of(session, [m.sha256 for m in current])
    fresh, refusals = [], []
    for file in args.get("files") or []:
        if file["id"] in known:
            continue
        try:
            shared = await fetch(deps.slack, deps.http, file["id"])
            image = load_image(shared.data, declared_mime=shared.mimetype or None)
        except (FileRefused, ImageRefused) as exc:
            refusals.append(f"{file.get('name') or file['id']}: {exc}")
            continue
        fresh.append(
            NewImage(
                data=image.data,
                sha256=image.sha256,
                mime=image.mime,
                width=image.width,
                height=image.height,
                name=shared.name,
                source=MediaSource.slack_file,
                source_ref=shared.id,
            )
        )
    everything = [Image(stored[m.sha256], m.mime, m.width, m.height, m.sha256, _SOME_ALT) for m in current] + [
        Image(i.data, i.mime, i.width, i.height, i.sha256, _SOME_ALT) for i in fresh
    ]
    check = media_check(deps.destinations, draft.destinations or [], revision.text if revision else "", everything)
    async with sm.begin() as session:
        outcome = await media.attach(
            session, draft_id=draft_id, images=fresh, user_id=user, now=deps.clock(), check=check, base_revision=base
        )
        if not outcome.ok and outcome.reason in (Refusal.stale_revision, Refusal.lost_race):
            raise RuntimeError("the draft changed while its images were fetched; trying again")
        await outbox.finish(session, outbox_id, now=deps.clock())
    if outcome.revision is not None:
        await notify.show_draft(deps.slack, sm, draft_id, required=deps.config.required_approvals)
        await notify.refresh_parent(deps.slack, sm, draft_id)
    notes = [f"Not attached: {r}" for r in refusals]
    if not outcome.ok:
        notes.append(_not_attached(draft_id, outcome.reason, outcome.draft.status))
    for note in notes:
        await notify.note_in_thread(deps.slack, sm, draft_id, note)
    attached = len(fresh) if outcome.revision is not None else 0
    return f"draft {draft_id}: {attached} image(s) attached, {len(refusals)} refused"


async def remove_media(ctx: dict[str, Any], outbox_id: int) -> str:
    """Images removed in the "Alt text…" dialog (with its alt texts): the rest are judged again."""
    log_context.bind(outbox_id=outbox_id, job=JobName.remove_media.value)
    deps = deps_of(ctx)
    return await leased(deps, outbox_id, lambda args: _remove(deps, outbox_id, args), attempt=job_try(ctx))


async def _remove(deps: WorkerDeps, outbox_id: int, args: dict) -> str:
    draft_id, base, user = int(args["draft_id"]), int(args["base_revision"]), str(args["user_id"])
    remove, alts = {int(p) for p in args["remove"]}, [str(a) for a in args["alts"]]
    log_context.bind(draft_id=draft_id)
    sm = deps.sessionmaker
    async with sm() as session:
        draft = await queries.draft(session, draft_id)
        revision = await queries.revision(session, draft_id, base)
        current = await media.media_of(session, draft_id, base)
        stored = await media.data_of(session, [m.sha256 for m in current])
    kept = [
        Image(stored[m.sha256], m.mime, m.width, m.height, m.sha256, _SOME_ALT)
        for m in current
        if m.position not in remove
    ]
    check = media_check(deps.destinations, draft.destinations or [], revision.text if revision else "", kept)
    async with sm.begin() as session:
        outcome = await media.set_alt(
            session,
            draft_id=draft_id,
            base_revision=base,
            alts=alts,
            remove=remove,
            user_id=user,
            now=deps.clock(),
            check=check,
        )
        await outbox.finish(session, outbox_id, now=deps.clock())
    if outcome.revision is not None:
        await notify.show_draft(deps.slack, sm, draft_id, required=deps.config.required_approvals)
        await notify.note_in_thread(
            deps.slack,
            sm,
            draft_id,
            f"🖼 {len(remove)} image(s) removed from draft #{draft_id} → revision {outcome.revision.number}",
        )
    elif not outcome.ok:
        # Decided on a revision that is no longer current: nothing is removed behind anyone's back.
        await notify.note_in_thread(
            deps.slack,
            sm,
            draft_id,
            f"The images were not removed: draft #{draft_id} "
            f"changed (revision {outcome.draft.current_revision} is current now).",
        )
    return f"draft {draft_id}: {len(remove)} image(s) removed" if outcome.revision else f"draft {draft_id}: unchanged"


def _not_attached(draft_id: int, reason: Refusal | None, status: str) -> str:
    if reason is Refusal.too_many_images:
        return f"The images were not attached: a draft takes at most {media.MAX_IMAGES}."
    if reason is Refusal.not_ready:
        return (
            f"The images were not attached: draft #{draft_id} is being rewritten. Share them again "
            "once the new revision is here."
        )
    return f"The images were not attached: draft #{draft_id} is {status.replace('_', ' ')}, so it no longer changes."


def media_check(
    destinations: Mapping[str, Destination], names: Sequence[str], text: str, images: list[Image]
) -> MediaCheck:
    """Each destination's alt rule and what its preflight says about the images beyond the text."""
    rules, problems, notes = {}, [], []
    for name in names:
        destination = destinations.get(name)
        if destination is None:
            continue
        limits = destination.capabilities.media_limits
        if limits is not None and (limits.alt_required or limits.max_alt is not None):
            rules[label(name)] = AltRule(limits.alt_required, limits.max_alt)
        post = Post(draft_id=0, revision=0, text=text, sha256="", approved_by="")
        without = set(destination.preflight(post))
        mine = [p for p in destination.preflight(replace(post, images=tuple(images))) if p not in without]
        problems += [p for p in mine if p not in problems]
        if limits is not None and not mine:
            notes += _resizes(label(name), limits, images)
    return MediaCheck(rules, tuple(problems), tuple(notes))


def _resizes(name: str, limits: MediaLimits, images: list[Image]) -> list[str]:
    """What fitting will do (preflight made the same fits, so these come from its cache)."""
    notes = []
    for number, image in enumerate(images, start=1):
        if fits(image, limits.max_bytes, limits.max_pixels):
            continue
        fitted = fit_image(image, max_bytes=limits.max_bytes, max_pixels=limits.max_pixels)
        notes.append(f"{name}: image {number} will be resized to {describe(fitted)}")
    return notes
