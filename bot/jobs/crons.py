"""The worker's schedule: arq cron jobs over bot/jobs/schedules.py, bot/jobs/upkeep.py and
bot/jobs/audit_post.py.

Every step is idempotent (schedule marks, compare-and-set, outbox dedupe keys), so any number of
workers may run them.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.jobs import audit_post, schedules, upkeep
from bot.jobs.deps import WorkerDeps, deps_of
from bot.jobs.shield import let_finish
from bot.parsing.timeparse import zone

log = logging.getLogger("signoff.worker.schedule")
Ctx = dict[str, Any]  # arq's context; the jobs read only deps_of(ctx)


async def schedules_minutely(ctx: Ctx) -> str:
    return await let_finish(_schedules_minutely(deps_of(ctx)))


async def _schedules_minutely(deps: WorkerDeps) -> str:
    """Expiry, reminders, digests and weekly reports; one failing step does not stop the others."""
    args = (deps.slack, deps.sessionmaker, deps.clock, deps.config.schedule)
    done: list[str] = []
    for step in (upkeep.expire_drafts, upkeep.send_reminders, schedules.send_digests, schedules.send_weekly_reports):
        try:
            done.append(f"{step.__name__}: {len(await step(*args))}")
        except Exception:
            log.exception("schedule step %s failed; it runs again next minute", step.__name__)
    return "; ".join(done)


async def scheduled_publishes(ctx: Ctx) -> str:
    deps = deps_of(ctx)
    fired = await let_finish(upkeep.fire_scheduled_publishes(deps.sessionmaker, deps.clock, deps.queue))
    return f"{len(fired)} scheduled publish job(s) created"


async def audit_chain_head(ctx: Ctx) -> str:
    """The day's audit chain head to SIGNOFF_AUDIT_CHANNEL, by the first worker to ask that day."""
    deps = deps_of(ctx)
    channel = deps.config.audit_channel
    if not channel:
        return "SIGNOFF_AUDIT_CHANNEL is not set"
    posted = await let_finish(
        audit_post.post_chain_head(
            deps.slack, deps.sessionmaker, channel=channel, now=deps.clock(), tz=zone(deps.config.schedule.timezone)
        )
    )
    return "posted" if posted else "already posted today, or Slack refused (see the log)"


def cron_jobs() -> list[Any]:
    from arq import cron

    # Publishes also at start, so one that fell due while no worker ran goes out at once. The chain
    # head is asked for every minute (one indexed read once today's is posted) and at start, so a
    # day with no worker at midnight still gets its post as soon as one runs.
    return [
        cron(schedules_minutely, second=0, unique=True),
        cron(scheduled_publishes, second={5, 20, 35, 50}, unique=True, run_at_startup=True),
        cron(audit_chain_head, second=30, unique=True, run_at_startup=True),
    ]
