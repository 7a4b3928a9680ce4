"""A draft's images from Slack: files shared in its thread, and the "Alt text…" dialog.

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

from sqlalchemy.ext.asyncio import AsyncSession

from storage import outbox
from storage.media import MAX_IMAGES, MAX_NAME_CHARS
from storage.outbox import QueuedJob
from storage.states import JobName


def shared_images(event: dict) -> list[dict[str, str]]:
    """The image files of a `file_share` reply: id and name (the worker checks the bytes themselves)."""
    files = event.get("files") if event.get("subtype") == "file_share" else None
    if not isinstance(files, list):
        return []
    found = [{"id": f["id"], "name": str(f.get("name") or f.get("title") or "image")[:MAX_NAME_CHARS]}
             for f in files if isinstance(f, dict) and isinstance(f.get("id"), str) and f["id"]
             and str(f.get("mimetype") or "").startswith("image/")]
    return found[:MAX_IMAGES]


def attach_key(event_id: str) -> str:
    return f"attach:{event_id}"[:200]


async def record_shared_images(session: AsyncSession, *, draft_id: int, files: list[dict[str, str]],
                               user_id: str, event_id: str, now: datetime) -> QueuedJob:
    """The intent, in the caller's transaction (the one that records the event id)."""
    args: dict[str, Any] = {"draft_id": draft_id, "files": files, "user_id": user_id}
    row = await outbox.add(session, job=JobName.attach_media, args=args, now=now, dedupe_key=attach_key(event_id))
    return outbox.queued(row)
