"""A draft's images from Slack: files shared in its thread, and the "Alt text…" dialog (alt text
per image, and images to remove).

An image shared in the thread by the requester or someone who may decide is recorded as intent —
the Slack file ids, in an outbox job written in the same transaction as the event id — before
Slack gets its answer. Fetching the file (with the bot token), cleaning it (Pillow re-encode, no
EXIF) and attaching it as a new revision is the worker's `attach_media` job, not a step after the
ack in the bot, because:
- a download of a few MB and a re-encode take seconds: they have no place next to acknowledgements;
- the outbox makes it survive a bot restart or a lost Redis (the sweep re-enqueues it), where a
  task after the ack would be lost with its process;
- cleaning images is destinations/ code, which listeners may not import; the worker's jobs may.
The job is idempotent: an image whose Slack file id the revision already has is not attached again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks import action_ids, modals, replies
from bot.blocks import media as media_blocks
from bot.blocks.text import clip
from bot.listeners.actions import modal_click
from bot.listeners.deps import BotDeps, deps_of
from bot.listeners.interaction import tell
from bot.listeners.views import answering_unreadable, submitted
from bot.slack.notify import say_mrkdwn_in_thread, show_draft
from bot.slack.presenters import image_views
from storage import media as storage_media
from storage import outbox
from storage.media import EDITABLE
from storage.media import MAX_IMAGES, MAX_NAME_CHARS
from storage.outbox import QueuedJob
from storage.states import JobName
from storage.transitions import Outcome


def shared_images(event: dict) -> list[dict[str, str]]:
    """The image files of a `file_share` reply: id and name (the worker checks the bytes themselves)."""
    files = event.get("files") if event.get("subtype") == "file_share" else None
    if not isinstance(files, list):
        return []
    found = [
        {"id": f["id"], "name": str(f.get("name") or f.get("title") or "image")[:MAX_NAME_CHARS]}
        for f in files
        if isinstance(f, dict) and isinstance(f.get("id"), str) and f["id"] and _maybe_image(f)
    ]
    return found[:MAX_IMAGES]


def _maybe_image(file: dict) -> bool:
    # Slack may leave a file's details out of the event ("file_access": "check_file_info"); the
    # worker asks files.info and the bytes decide.
    mimetype = file.get("mimetype")
    return not mimetype or str(mimetype).startswith("image/")


def attach_key(event_id: str) -> str:
    return f"attach:{event_id}"[:200]


async def record_shared_images(
    session: AsyncSession, *, draft_id: int, files: list[dict[str, str]], user_id: str, event_id: str, now: datetime
) -> QueuedJob:
    """The intent, in the caller's transaction (the one that records the event id)."""
    args: dict[str, Any] = {"draft_id": draft_id, "files": files, "user_id": user_id}
    row = await outbox.add(session, job=JobName.attach_media, args=args, now=now, dedupe_key=attach_key(event_id))
    return outbox.queued(row)


async def record_removal(
    session: AsyncSession, *, meta: dict, alts: list[str], removals: set[int], user_id: str, now: datetime
) -> QueuedJob:
    args = {
        "draft_id": meta["draft_id"],
        "base_revision": meta["revision"],
        "alts": alts,
        "remove": sorted(removals),
        "user_id": user_id,
    }
    row = await outbox.add(session, job=JobName.remove_media, args=args, now=now)
    return outbox.queued(row)


async def handle_alt_button(ack: Any, body: dict, client: AsyncWebClient, context: Any) -> None:
    """ "Alt text…": open the dialog at once (a trigger_id lives 3 s) with the revision's images."""
    clicked = await modal_click(ack, body, client, context, "edit", requester_may=True)
    if clicked is None:
        return
    deps, origin, draft, revision = clicked
    if draft.status not in EDITABLE or draft.current_revision != revision:
        await tell(
            client, origin.channel, origin.user, replies.cannot_change(draft, revision, "edit"), origin.thread_ts
        )
        return
    async with deps.sessionmaker() as session:
        images = await image_views(session, draft.id, revision)
    meta = modals.metadata(draft.id, revision, origin.channel, origin.message_ts)
    await client.views_open(
        trigger_id=body["trigger_id"], view=media_blocks.alt_modal(draft.id, revision, images, meta)
    )


@answering_unreadable(f"{media_blocks.ALT_BLOCK_PREFIX}0")
async def handle_alt_submission(ack: Any, body: dict, view: dict, client: AsyncWebClient, context: Any) -> None:
    """Alt text is checked like text a person wrote (blocked terms, hidden characters); a problem
    comes back inside the dialog, next to its image."""
    deps, meta = deps_of(context), modals.parse_metadata(view.get("private_metadata"))
    first = f"{media_blocks.ALT_BLOCK_PREFIX}0"
    draft, permission = await submitted(deps, body, context, meta, "edit")
    if draft is None or permission is None or not permission.ok:
        await ack(
            response_action="errors", errors={first: permission.refusal if permission else replies.not_our_value()}
        )
        return
    async with deps.sessionmaker() as session:
        count = len(await storage_media.media_of(session, meta["draft_id"], meta["revision"]))
    values = modals.state_values(view)
    alts, removals = media_blocks.submitted_alts(values, count), media_blocks.submitted_removals(values, count)
    errors = alt_errors(deps, alts, list(permission.config.blocked_terms))
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    if removals:
        # What is left is judged again by the destinations, which only the worker knows.
        async with deps.sessionmaker.begin() as session:
            job = await record_removal(
                session, meta=meta, alts=alts, removals=removals, user_id=body["user"]["id"], now=deps.clock()
            )
        await ack()
        deps.background.spawn(deps.queue.enqueue(job), "removed images")
        return
    async with deps.sessionmaker.begin() as session:
        change = await storage_media.set_alt(
            session,
            draft_id=meta["draft_id"],
            base_revision=meta["revision"],
            alts=alts,
            user_id=body["user"]["id"],
            now=deps.clock(),
        )
    if not change.ok:
        await ack(response_action="errors", errors={first: replies.refused(change.reason, change.draft)})
        return
    await ack()
    if change.revision is not None:
        deps.background.spawn(_show_alt(deps, client, change, meta, body["user"]["id"]), "alt text")


def alt_errors(deps: BotDeps, alts: list[str], blocked_terms: list[str]) -> dict[str, str]:
    errors = {}
    for position, alt in enumerate(alts):
        if not alt:
            continue
        problems = list(deps.text_rules.check_edit(alt, {}, blocked_terms).problems)
        hidden = deps.text_rules.hidden_characters(alt)
        if hidden:
            problems.append(f"invisible characters ({', '.join(hidden[:5])})")
        if problems:
            errors[f"{media_blocks.ALT_BLOCK_PREFIX}{position}"] = clip(" ".join(problems), 1900)
    return errors


async def _show_alt(deps: BotDeps, client: AsyncWebClient, change: Outcome, meta: dict, user: str) -> None:
    await show_draft(
        client, deps.sessionmaker, change.draft.id, required=deps.rule.required, clicked_ts=meta["message_ts"]
    )
    assert change.revision is not None
    await say_mrkdwn_in_thread(
        client,
        deps.sessionmaker,
        change.draft.id,
        f"🖼 <@{user}> set the alt text of draft #{change.draft.id} → revision {change.revision.number}",
    )


def register(app: AsyncApp) -> None:
    app.action(action_ids.ALT_TEXT)(handle_alt_button)
    app.view(media_blocks.ALT_VIEW)(handle_alt_submission)
