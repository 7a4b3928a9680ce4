"""Finding a message Signoff may already have posted, by the metadata it posts with.

Used only when a post's outcome is unknown (storage/messages.py): the worker that made it died
between Slack's answer and storing the ts. The lookups need `channels:history`/`groups:history`,
which the app has for thread replies; they are rare, so their strict rate limits do not matter.
"""

from __future__ import annotations

import logging
from datetime import timezone

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from storage.messages import Which
from storage.models import Draft

log = logging.getLogger("signoff.notify")

EVENT_TYPES = {Which.parent: "signoff_draft_parent", Which.message: "signoff_draft_message"}
_PAGES = 5


def posted_metadata(draft_id: int, which: Which) -> dict:
    return {"event_type": EVENT_TYPES[which], "event_payload": {"draft_id": draft_id}}


def _is_ours(message: dict, draft_id: int, which: Which) -> bool:
    metadata = message.get("metadata") or {}
    return (
        metadata.get("event_type") == EVENT_TYPES[which]
        and (metadata.get("event_payload") or {}).get("draft_id") == draft_id
    )


async def find_posted(client: AsyncWebClient, draft: Draft, which: Which) -> str | None:
    """The ts of the draft's parent line or thread message if Slack has it, else None. A lookup
    Slack refuses counts as not found: a second copy is better than no draft at all."""
    try:
        if which is Which.message:
            if not draft.parent_ts:
                return None
            pages = await client.conversations_replies(
                channel=draft.channel_id, ts=draft.parent_ts, include_all_metadata=True, limit=200
            )
        else:
            oldest = draft.created_at.replace(tzinfo=timezone.utc).timestamp() - 60
            pages = await client.conversations_history(
                channel=draft.channel_id, oldest=f"{oldest:.6f}", include_all_metadata=True, limit=200
            )
        seen = 0
        async for page in pages:
            for message in page.get("messages") or []:
                if _is_ours(message, draft.id, which):
                    return str(message["ts"])
            seen += 1
            if seen >= _PAGES:
                break
    except SlackApiError as exc:
        log.warning(
            "could not look for draft %s's %s message: %s",
            draft.id,
            which.value,
            exc.response.get("error", "unknown_error") if exc.response else "no answer",
        )
    return None
