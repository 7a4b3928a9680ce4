"""Messages the worker puts in Slack: the parent line, the draft in its thread, thread notes.

Each posted message's `ts` is stored at once, so a job that runs again updates instead of
posting a second copy.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.blocks.draft import draft_message, failed_message, parent_message
from bot.slack.find import find_posted, posted_metadata
from bot.blocks.publications import PublicationView, handoff_message
from bot.slack.presenters import draft_view, parent_view
from bot.blocks.text import escape_mrkdwn
from storage import messages, queries, runs
from storage.clock import utcnow
from storage.messages import MessageClaim, PostClaim, Which
from storage.models import Draft

log = logging.getLogger("signoff.notify")

IN_FLIGHT_MARGIN_S = 2.0


async def ensure_parent(client: AsyncWebClient, sessionmaker: async_sessionmaker[AsyncSession], draft_id: int) -> str:
    async with sessionmaker() as session:
        draft = await queries.draft(session, draft_id)
    if draft.parent_ts:
        return draft.parent_ts
    text, blocks = parent_message(parent_view(draft))
    ts, new = await _post_once(client, sessionmaker, draft, Which.parent, text=text, blocks=blocks)
    if not new:
        await client.chat_update(channel=draft.channel_id, ts=ts, text=text, blocks=blocks)
    try:
        link = await client.chat_getPermalink(channel=draft.channel_id, message_ts=ts)
        async with sessionmaker.begin() as session:
            await runs.set_messages(session, draft_id, permalink=link["permalink"])
    except SlackApiError:
        pass  # a link is a convenience; digests fall back to naming the channel
    return ts


async def _post_once(
    client: AsyncWebClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    draft: Draft,
    which: Which,
    **message: object,
) -> tuple[str, bool]:
    """chat.postMessage under a claim (storage/messages.py): a post whose outcome is unknown (the
    last poster died mid-call) is looked for in Slack by its metadata before it is made again.
    Returns the message's ts and whether this call posted it."""
    async with sessionmaker.begin() as session:
        claim = await messages.claim_post(session, draft.id, which, now=utcnow())
    if claim.outcome is PostClaim.unknown:
        await _let_in_flight_post_land(client, claim)
        found = await find_posted(client, draft, which)
        async with sessionmaker.begin() as session:
            if found:
                await messages.store_posted(session, draft.id, which, found)
                return found, False
            claim = await messages.retake(session, draft.id, which, now=utcnow())
    if claim.outcome is PostClaim.posted and claim.ts:
        return claim.ts, False
    thread = {"thread_ts": draft.parent_ts} if which is Which.message else {}
    try:
        answer = await client.chat_postMessage(
            channel=draft.channel_id, metadata=posted_metadata(draft.id, which), **thread, **message
        )
    except SlackApiError:
        # Slack answered, and not with a message: nothing was posted, the next try need not look.
        async with sessionmaker.begin() as session:
            await messages.release(session, draft.id, which)
        raise
    async with sessionmaker.begin() as session:
        await messages.store_posted(session, draft.id, which, answer["ts"])
    return str(answer["ts"]), True


async def _let_in_flight_post_land(client: AsyncWebClient, claim: MessageClaim) -> None:
    """The earlier poster may have been stopped while its chat.postMessage was on the wire: Slack can
    still act on it for as long as that call could take. Look only once that time has passed, or a
    post landing after the look would be made a second time."""
    if claim.since is None:
        return
    landed_by = claim.since + timedelta(seconds=float(client.timeout or 0) + IN_FLIGHT_MARGIN_S)
    wait_s = (landed_by - utcnow()).total_seconds()
    if wait_s > 0:
        log.info("waiting %.1f s for an earlier post to land before looking for it", wait_s)
        await asyncio.sleep(wait_s)


async def refresh_parent(client: AsyncWebClient, sessionmaker: async_sessionmaker[AsyncSession], draft_id: int) -> None:
    async with sessionmaker() as session:
        draft = await queries.draft(session, draft_id)
    if not draft.parent_ts:
        return
    text, blocks = parent_message(parent_view(draft))
    await client.chat_update(channel=draft.channel_id, ts=draft.parent_ts, text=text, blocks=blocks)


async def show_draft(
    client: AsyncWebClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    draft_id: int,
    *,
    required: int = 1,
    clicked_ts: str | None = None,
) -> str:
    """Post the draft as a thread reply, or update the one already posted. `clicked_ts` is the
    message a person just clicked: it is the draft message even if its ts is not stored yet."""
    async with sessionmaker() as session:
        draft = await queries.draft(session, draft_id)
        view = await draft_view(session, draft, required=required)
    if clicked_ts and not draft.message_ts:
        async with sessionmaker.begin() as session:
            await messages.store_posted(session, draft_id, Which.message, clicked_ts)
        draft.message_ts = clicked_ts
    text, blocks = failed_message(view) if draft.status == "failed" and not view.revision else draft_message(view)
    if draft.message_ts:
        await client.chat_update(channel=draft.channel_id, ts=draft.message_ts, text=text, blocks=blocks)
        return draft.message_ts
    ts, new = await _post_once(client, sessionmaker, draft, Which.message, text=text, blocks=blocks)
    if not new:  # an earlier poster's message, found: bring it up to date
        await client.chat_update(channel=draft.channel_id, ts=ts, text=text, blocks=blocks)
    return ts


async def say_in_thread(
    client: AsyncWebClient, sessionmaker: async_sessionmaker[AsyncSession], draft_id: int, text: str
) -> None:
    async with sessionmaker() as session:
        draft = await queries.draft(session, draft_id)
    await client.chat_postMessage(channel=draft.channel_id, thread_ts=draft.parent_ts, text=escape_mrkdwn(text))


async def say_mrkdwn_in_thread(
    client: AsyncWebClient, sessionmaker: async_sessionmaker[AsyncSession], draft_id: int, mrkdwn: str
) -> None:
    """`mrkdwn` must already be escaped (built by our own builders)."""
    async with sessionmaker() as session:
        draft = await queries.draft(session, draft_id)
    await client.chat_postMessage(channel=draft.channel_id, thread_ts=draft.parent_ts, text=mrkdwn[:3000])


async def note_in_thread(
    client: AsyncWebClient, sessionmaker: async_sessionmaker[AsyncSession], draft_id: int, text: str
) -> None:
    """A best-effort note: the draft message shows the same state, so a lost note loses no work."""
    try:
        await say_in_thread(client, sessionmaker, draft_id, text)
    except Exception as exc:
        log.warning("could not post a note on draft %s: %s", draft_id, exc.__class__.__name__)


async def post_handoff(
    client: AsyncWebClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    draft_id: int,
    publication: PublicationView,
    text: str,
) -> None:
    """The ready-to-copy block for a destination a person posts to by hand (LinkedIn)."""
    async with sessionmaker() as session:
        draft = await queries.draft(session, draft_id)
    fallback, blocks = handoff_message(draft_id, publication, text)
    await client.chat_postMessage(channel=draft.channel_id, thread_ts=draft.parent_ts, text=fallback, blocks=blocks)
