"""Messages the worker puts in Slack: the parent line, the draft in its thread, thread notes.

Each posted message's `ts` is stored at once, so a job that runs again updates instead of
posting a second copy.
"""
from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.blocks import draft_message, failed_message, parent_message
from bot.publication_blocks import PublicationView, handoff_message
from bot.presenters import draft_view, parent_view
from bot.text import escape_mrkdwn
from storage import queries, runs

log = logging.getLogger("signoff.notify")


async def ensure_parent(client: AsyncWebClient, sessionmaker: async_sessionmaker[AsyncSession],
                        draft_id: int) -> str:
    async with sessionmaker() as session:
        draft = await queries.draft(session, draft_id)
    if draft.parent_ts:
        return draft.parent_ts
    text, blocks = parent_message(parent_view(draft))
    answer = await client.chat_postMessage(channel=draft.channel_id, text=text, blocks=blocks)
    async with sessionmaker.begin() as session:
        await runs.set_messages(session, draft_id, parent_ts=answer["ts"])
    try:
        link = await client.chat_getPermalink(channel=draft.channel_id, message_ts=answer["ts"])
        async with sessionmaker.begin() as session:
            await runs.set_messages(session, draft_id, permalink=link["permalink"])
    except SlackApiError:
        pass  # a link is a convenience; digests fall back to naming the channel
    return answer["ts"]


async def refresh_parent(client: AsyncWebClient, sessionmaker: async_sessionmaker[AsyncSession],
                         draft_id: int) -> None:
    async with sessionmaker() as session:
        draft = await queries.draft(session, draft_id)
    if not draft.parent_ts:
        return
    text, blocks = parent_message(parent_view(draft))
    await client.chat_update(channel=draft.channel_id, ts=draft.parent_ts, text=text, blocks=blocks)


async def show_draft(client: AsyncWebClient, sessionmaker: async_sessionmaker[AsyncSession],
                     draft_id: int, *, required: int = 1, clicked_ts: str | None = None) -> str:
    """Post the draft as a thread reply, or update the one already posted. `clicked_ts` is the
    message a person just clicked: it is the draft message even if its ts is not stored yet."""
    async with sessionmaker() as session:
        draft = await queries.draft(session, draft_id)
        view = await draft_view(session, draft, required=required)
    if clicked_ts and not draft.message_ts:
        async with sessionmaker.begin() as session:
            await runs.set_messages(session, draft_id, message_ts=clicked_ts)
        draft.message_ts = clicked_ts
    text, blocks = failed_message(view) if draft.status == "failed" and not view.revision \
        else draft_message(view)
    if draft.message_ts:
        await client.chat_update(channel=draft.channel_id, ts=draft.message_ts, text=text, blocks=blocks)
        return draft.message_ts
    answer = await client.chat_postMessage(channel=draft.channel_id, thread_ts=draft.parent_ts,
                                           text=text, blocks=blocks)
    async with sessionmaker.begin() as session:
        await runs.set_messages(session, draft_id, message_ts=answer["ts"])
    return answer["ts"]


async def say_in_thread(client: AsyncWebClient, sessionmaker: async_sessionmaker[AsyncSession],
                        draft_id: int, text: str) -> None:
    async with sessionmaker() as session:
        draft = await queries.draft(session, draft_id)
    await client.chat_postMessage(channel=draft.channel_id, thread_ts=draft.parent_ts,
                                  text=escape_mrkdwn(text))


async def say_mrkdwn_in_thread(client: AsyncWebClient, sessionmaker: async_sessionmaker[AsyncSession],
                               draft_id: int, mrkdwn: str) -> None:
    """`mrkdwn` must already be escaped (built by our own builders)."""
    async with sessionmaker() as session:
        draft = await queries.draft(session, draft_id)
    await client.chat_postMessage(channel=draft.channel_id, thread_ts=draft.parent_ts, text=mrkdwn[:3000])


async def note_in_thread(client: AsyncWebClient, sessionmaker: async_sessionmaker[AsyncSession],
                         draft_id: int, text: str) -> None:
    """A best-effort note: the draft message shows the same state, so a lost note loses no work."""
    try:
        await say_in_thread(client, sessionmaker, draft_id, text)
    except Exception as exc:
        log.warning("could not post a note on draft %s: %s", draft_id, exc.__class__.__name__)


async def post_handoff(client: AsyncWebClient, sessionmaker: async_sessionmaker[AsyncSession], draft_id: int,
                       publication: PublicationView, text: str) -> None:
    """The ready-to-copy block for a destination a person posts to by hand (LinkedIn)."""
    async with sessionmaker() as session:
        draft = await queries.draft(session, draft_id)
    fallback, blocks = handoff_message(draft_id, publication, text)
    await client.chat_postMessage(channel=draft.channel_id, thread_ts=draft.parent_ts, text=fallback, blocks=blocks)
