"""When the worker gives a job up: the failure becomes visible, never a silent `dead` row.

A job is given up when it keeps raising (its attempts are spent) or when its workers keep dying
(the sweep's cap). Either way, in one transaction: the outbox row goes `dead`, the run or the
publication fails with its audit event; then, best effort, the thread shows the failure with its
next step (Regenerate / Retry) and the admins get a direct message.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.jobs.deps import WorkerDeps
from bot.slack import notify
from bot.blocks.text import escape_mrkdwn
from storage import outbox, publications, queries, runs
from storage.states import JobName, OutboxStatus

log = logging.getLogger("signoff.worker.failures")


async def give_up(deps: WorkerDeps, outbox_id: int, error: str) -> int | None:
    """Mark the job dead and fail what it was doing; returns the draft id it concerned, if any."""
    sm, clock = deps.sessionmaker, deps.clock
    async with sm.begin() as session:
        row = await outbox.get(session, outbox_id)
        if row is None or row.status != OutboxStatus.pending.value:
            return None
        await outbox.finish(session, outbox_id, now=clock(), status=OutboxStatus.dead, error=error)
        draft_id: int | None = None
        if row.job == JobName.run_draft.value:
            draft_id = await runs.give_up(session, int(row.args["run_id"]), error=error, now=clock())
        elif row.job == JobName.publish_draft.value:
            draft_id = int(row.args["draft_id"])
            await publications.give_up(session, draft_id, error=error, now=clock())
    deps.metrics.dead_jobs.labels(row.job).inc()
    log.error("gave up %s (outbox %s, draft %s): %s", row.job, outbox_id, draft_id, error)
    if draft_id is not None:
        await _show(deps, draft_id)
    await _tell_admins(deps, row.job, draft_id, error)
    return draft_id


async def _show(deps: WorkerDeps, draft_id: int) -> None:
    slack, sm = deps.slack, deps.sessionmaker
    try:
        await notify.ensure_parent(slack, sm, draft_id)
        await notify.show_draft(slack, sm, draft_id, required=deps.config.required_approvals)
        await notify.refresh_parent(slack, sm, draft_id)
    except Exception as exc:  # Slack itself may be what failed; the admins' DM and /healthz remain
        log.warning("could not show the failure of draft %s: %s", draft_id, exc.__class__.__name__)


async def _tell_admins(deps: WorkerDeps, job: str, draft_id: int | None, error: str) -> None:
    admins = list(deps.config.admins)
    if not admins:
        return
    link = ""
    if draft_id is not None:
        async with deps.sessionmaker() as session:
            draft = await queries.draft(session, draft_id)
        link = f" (<{draft.permalink}|thread>)" if draft.permalink else f" in <#{draft.channel_id}>"
    what = {JobName.run_draft.value: "writing", JobName.publish_draft.value: "publishing"}.get(job, job)
    subject = f"draft #{draft_id}{link}" if draft_id is not None else "a job"
    text = (
        f":warning: Signoff gave up {escape_mrkdwn(what)} {subject}: {escape_mrkdwn(error)}. "
        "The thread offers the next step; `/healthz` counts dead jobs."
    )
    client: AsyncWebClient = deps.slack
    for admin in admins:
        try:
            opened = await client.conversations_open(users=admin)
            await client.chat_postMessage(channel=opened["channel"]["id"], text=text)
        except Exception as exc:
            log.warning("could not tell admin %s about a dead job: %s", admin, exc.__class__.__name__)
