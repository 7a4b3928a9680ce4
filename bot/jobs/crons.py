"""The worker's schedule: arq cron jobs over bot/schedule_jobs.py, bot/schedule_upkeep.py and
bot/audit_post.py.

Every step is idempotent (schedule marks, compare-and-set, outbox dedupe keys), so any number of
workers may run them.
"""
from __future__ import annotations

import logging
from typing import Any

from bot.listeners.background import let_finish

log = logging.getLogger("signoff.worker.schedule")
Ctx = dict[str, Any]


async def schedules_minutely(ctx: Ctx) -> str:
    return await let_finish(_schedules_minutely(ctx))


async def _schedules_minutely(ctx: Ctx) -> str:
    """Expiry, reminders, digests and weekly reports; one failing step does not stop the others."""
    from bot.jobs import schedules as schedule_jobs
    from bot.jobs import upkeep as schedule_upkeep

    config = schedule_jobs.schedule_config(ctx["settings"])
    args = (ctx["slack"], ctx["sessionmaker"], ctx["clock"], config)
    done: list[str] = []
    for step in (schedule_upkeep.expire_drafts, schedule_upkeep.send_reminders,
                 schedule_jobs.send_digests, schedule_jobs.send_weekly_reports):
        try:
            done.append(f"{step.__name__}: {len(await step(*args))}")
        except Exception:
            log.exception("schedule step %s failed; it runs again next minute", step.__name__)
    return "; ".join(done)


async def scheduled_publishes(ctx: Ctx) -> str:
    from bot.jobs.upkeep import fire_scheduled_publishes

    fired = await let_finish(fire_scheduled_publishes(ctx["sessionmaker"], ctx["clock"], ctx["queue"]))
    return f"{len(fired)} scheduled publish job(s) created"


async def audit_chain_head(ctx: Ctx) -> str:
    """The day's audit chain head to SIGNOFF_AUDIT_CHANNEL, by the first worker to ask that day."""
    from bot.jobs.audit_post import post_chain_head
    from bot.parsing.timeparse import zone

    settings = ctx["settings"]
    if not settings.signoff_audit_channel:
        return "SIGNOFF_AUDIT_CHANNEL is not set"
    posted = await let_finish(post_chain_head(ctx["slack"], ctx["sessionmaker"], channel=settings.signoff_audit_channel,
                                              now=ctx["clock"](), tz=zone(settings.signoff_timezone)))
    return "posted" if posted else "already posted today, or Slack refused (see the log)"


def cron_jobs() -> list[Any]:
    from arq import cron

    # Publishes also at start, so one that fell due while no worker ran goes out at once. The chain
    # head is asked for every minute (one indexed read once today's is posted) and at start, so a
    # day with no worker at midnight still gets its post as soon as one runs.
    return [cron(schedules_minutely, second=0, unique=True),
            cron(scheduled_publishes, second={5, 20, 35, 50}, unique=True, run_at_startup=True),
            cron(audit_chain_head, second=30, unique=True, run_at_startup=True)]
