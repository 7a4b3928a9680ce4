"""The arq worker: job functions, the outbox sweep and the schedule. Thin glue between
pipeline/, destinations/, storage/ and the Slack messages in bot/notify.py.

Every job takes an outbox id, holds a renewable lease on that row while it works, and marks the
row done in the end; the sweep re-enqueues rows whose job never ran or whose worker died.
"""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from typing import Any, Awaitable, Callable

import aiohttp
import httpx
from arq import Retry, Worker
from arq.connections import ArqRedis
from arq.jobs import JobStatus
from pydantic import SecretStr

from bot import log_context, notify
from bot.diff import change_summary, word_diff
from bot.queue import QUEUE_NAME, Queue
from bot.settings import Settings, SettingsError, load_settings
from bot.slack_client import build_slack_client
from bot.publication_blocks import PublicationView, label
from destinations.base import Post, PublishResult, idempotency_key
from destinations.preview import preview_lines as destination_preview
from destinations.publisher import ClaimedPart, Publisher
from destinations.registry import DestinationConfig, UnknownDestination, build_destinations
from pipeline.base import DestinationCapabilities, DraftBrief, RunContext
from pipeline.errors import PipelineError
from pipeline.factory import PipelineConfig, build_stages
from pipeline.runner import run_pipeline
from storage import config, outbox, publications, queries, runs
from storage.clock import utcnow
from storage.db import create_engine, create_sessionmaker, is_sqlite
from storage.migrate import upgrade
from storage.runs import sha256_hex
from storage.schedules import expires_at_for
from storage.states import OutboxStatus

log = logging.getLogger("signoff.worker")
Ctx = dict[str, Any]


# -- lifecycle ------------------------------------------------------------------------------------
async def startup(ctx: Ctx) -> None:
    settings: Settings = ctx.setdefault("settings", load_settings())
    engine = create_engine(settings.database_url)
    if is_sqlite(settings.database_url):
        await upgrade(engine)
    ctx["engine"], ctx["sessionmaker"] = engine, create_sessionmaker(engine)
    ctx["clock"] = ctx.get("clock", utcnow)
    ctx["slack_http"] = aiohttp.ClientSession(trust_env=True)
    ctx["slack"] = build_slack_client(settings.secret("slack_bot_token"), settings.slack_api_url,
                                      session=ctx["slack_http"])
    ctx["http"] = httpx.AsyncClient(timeout=httpx.Timeout(15.0, connect=5.0), trust_env=False)
    ctx["destinations"] = build_destinations(settings.signoff_destinations, destination_config(settings),
                                             ctx["http"])
    ctx["stages"] = build_stages(pipeline_config(settings), ctx["http"])
    ctx["queue"] = Queue(ctx["redis"])
    ctx["sweeper_stop"] = asyncio.Event()
    ctx["sweeper"] = asyncio.create_task(_sweep_forever(ctx))


async def shutdown(ctx: Ctx) -> None:
    if "sweeper" in ctx:
        # Ask the sweep to stop between rounds rather than cancelling it inside a transaction.
        ctx["sweeper_stop"].set()
        try:
            await asyncio.wait_for(asyncio.shield(ctx["sweeper"]), 10)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            ctx["sweeper"].cancel()
    if "http" in ctx:
        await ctx["http"].aclose()
    if "slack_http" in ctx:
        await ctx["slack_http"].close()
    if "engine" in ctx:
        await ctx["engine"].dispose()


def destination_config(settings: Settings) -> DestinationConfig:
    """Copy every DestinationConfig field that Settings has under the same name, secrets unwrapped."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(DestinationConfig):
        value = getattr(settings, f.name, None)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value is not None:
            values[f.name] = value
    values["slack_bot_token"] = settings.secret("slack_bot_token") or None
    values["slack_api_url"] = settings.slack_api_url
    return DestinationConfig(**values)


def check_destinations(settings: Settings) -> None:
    """Fail at start, in one line, when a chosen destination is unknown or lacks a credential."""
    try:
        build_destinations(settings.signoff_destinations, destination_config(settings),
                           httpx.AsyncClient())
    except UnknownDestination as exc:
        raise SettingsError(f"SIGNOFF_DESTINATIONS: {exc}") from None


def pipeline_config(settings: Settings) -> PipelineConfig:
    return PipelineConfig(
        llm_base_url=settings.llm_base_url, llm_api_key=settings.secret("llm_api_key") or None,
        llm_model=settings.llm_model, llm_timeout_s=settings.llm_timeout_s,
        feeds=tuple(settings.signoff_feeds), notes_dir=settings.signoff_notes_dir,
        git_repo=settings.signoff_git_repo, fetch_topic_urls=settings.signoff_fetch_topic_urls)


def brief_for(ctx: Ctx, draft: Any, feedback: str | None, previous_text: str | None = None,
              blocked_terms: list[str] | None = None) -> DraftBrief:
    """What the pipeline is asked for, including each destination's real limits and counting."""
    chosen = {name: dest for name, dest in ctx["destinations"].items() if name in draft.destinations}
    return DraftBrief(
        topic=draft.topic, destinations=list(draft.destinations), feedback=feedback,
        previous_text=previous_text, blocked_terms=blocked_terms or [],
        limits={name: dest.capabilities.max_length for name, dest in chosen.items()},
        capabilities={name: DestinationCapabilities(
            max_length=dest.capabilities.max_length, length_unit=dest.capabilities.length_unit.value,
            threads=dest.capabilities.threads, markdown=dest.capabilities.markdown)
            for name, dest in chosen.items()})


# -- leases ---------------------------------------------------------------------------------------
async def _leased(ctx: Ctx, outbox_id: int, work: Callable[[dict], Awaitable[str]]) -> str:
    settings: Settings = ctx["settings"]
    sm, clock, lease_s = ctx["sessionmaker"], ctx["clock"], settings.signoff_job_lease_s
    async with sm.begin() as session:
        if not await outbox.claim(session, outbox_id, now=clock(), lease_s=lease_s):
            return "not claimed (done, or another worker holds it)"
        args = (await outbox.get(session, outbox_id)).args  # type: ignore[union-attr]

    async def renew() -> None:
        while True:
            await asyncio.sleep(lease_s / 3)
            async with sm.begin() as session:
                await outbox.renew(session, outbox_id, now=clock(), lease_s=lease_s)

    renewer = asyncio.create_task(renew())
    try:
        return await work(args)
    finally:
        renewer.cancel()


async def _finish(ctx: Ctx, outbox_id: int, status: OutboxStatus = OutboxStatus.done,
                  error: str | None = None) -> None:
    async with ctx["sessionmaker"].begin() as session:
        await outbox.finish(session, outbox_id, now=ctx["clock"](), status=status, error=error)


async def _retry_later(ctx: Ctx, outbox_id: int, error: str, defer_s: float) -> None:
    """arq retries the same job after `defer_s`; `due_at` keeps the sweep from doing it sooner."""
    from datetime import timedelta
    async with ctx["sessionmaker"].begin() as session:
        await outbox.release(session, outbox_id, error=error,
                             due_at=ctx["clock"]() + timedelta(seconds=defer_s))
    raise Retry(defer=defer_s)


# -- run a draft ----------------------------------------------------------------------------------
async def run_draft(ctx: Ctx, outbox_id: int) -> str:
    log_context.bind(outbox_id=outbox_id, job="run_draft")
    return await _leased(ctx, outbox_id, lambda args: _run_draft(ctx, outbox_id, args["run_id"]))


async def _run_draft(ctx: Ctx, outbox_id: int, run_id: int) -> str:
    log_context.bind(run_id=run_id)
    sm, clock, slack, settings = ctx["sessionmaker"], ctx["clock"], ctx["slack"], ctx["settings"]
    async with sm.begin() as session:
        run = await runs.start(session, run_id, now=clock())
        draft_id = run.draft_id if run else (await queries.run(session, run_id)).draft_id  # type: ignore[union-attr]
        log_context.bind(draft_id=draft_id)
        draft = await queries.draft(session, draft_id)
        previous = await queries.current_revision(session, draft)
        stored_config = await config.get_all(session, draft.team_id or "default")
    await notify.ensure_parent(slack, sm, draft_id)
    revision = None
    if run is not None:
        brief = brief_for(ctx, draft, run.feedback, previous.text if previous else None,
                          list(stored_config.get("blocked_terms") or []))
        try:
            result = await asyncio.wait_for(
                run_pipeline(brief, RunContext(progress=_progress_reporter(ctx, draft_id), http=ctx["http"]),
                             ctx["stages"]),
                settings.signoff_run_timeout_s)
        except (PipelineError, asyncio.TimeoutError) as exc:
            retryable = getattr(exc, "retryable", False)
            if retryable and ctx.get("job_try", 1) < settings.signoff_max_job_attempts:
                # 5, 10, 20, 40 s … unless the model said how long to wait.
                wait_s = getattr(exc, "retry_after_s", None) or min(300.0, 5.0 * 2 ** (ctx.get("job_try", 1) - 1))
                await _retry_later(ctx, outbox_id, str(exc), wait_s)
            message = getattr(exc, "message", None) or f"the run took longer than {settings.signoff_run_timeout_s:.0f} s"
            async with sm.begin() as session:
                run = await queries.run(session, run_id)
                await runs.fail(session, run, error=message, now=clock())  # type: ignore[arg-type]
        else:
            async with sm.begin() as session:
                run = await queries.run(session, run_id)
                revision = await runs.record_revision(
                    session, run, text=result.text, policy_ok=result.policy.ok,  # type: ignore[arg-type]
                    details={**result.model_dump(mode="json", exclude={"text", "stages"}),
                             "preview": preview_lines(ctx, list(draft.destinations), Post(
                                 draft_id=draft_id, revision=0, text=result.text, sha256=sha256_hex(result.text),
                                 approved_by="", title=result.title, tags=tuple(result.tags)))},
                    stages=[s.model_dump(mode="json") for s in result.stages], now=clock(),
                    expires_at=expires_at_for(clock(), settings.signoff_draft_ttl_h))
    await notify.show_draft(slack, sm, draft_id, required=settings.signoff_required_approvals)
    await notify.refresh_parent(slack, sm, draft_id)
    if revision is not None and previous is not None:
        await notify.say_mrkdwn_in_thread(slack, sm, draft_id, (
            f"🔁 Revision {revision.number} replaces revision {previous.number} "
            f"({change_summary(previous.text, revision.text)}):\n" + word_diff(previous.text, revision.text)))
    await _finish(ctx, outbox_id)
    return f"draft {draft_id} shown"


def _progress_reporter(ctx: Ctx, draft_id: int) -> Callable[[str], Awaitable[None]]:
    last = [0.0]

    async def report(phrase: str) -> None:
        # At most about once a second: chat.update is rate limited per channel.
        if time.monotonic() - last[0] < 1.0:
            return
        last[0] = time.monotonic()
        async with ctx["sessionmaker"].begin() as session:
            await runs.set_progress(session, draft_id, phrase, now=ctx["clock"]())
        with contextlib.suppress(Exception):
            await notify.refresh_parent(ctx["slack"], ctx["sessionmaker"], draft_id)

    return report


# -- publish --------------------------------------------------------------------------------------
# Every part of every destination goes: claim → send → record. A claim found still `claimed` means a
# worker died mid-call: reconcile with the platform, resend only where an idempotency key makes it
# safe, else ask a person. A draft's publish pass always runs under its one outbox row's lease.
MAX_RESCHEDULES = 200


def preview_lines(ctx: Ctx, names: list[str], post: Post) -> list[str]:
    return destination_preview(ctx["destinations"], names, post, label)


async def publish_draft(ctx: Ctx, outbox_id: int) -> str:
    log_context.bind(outbox_id=outbox_id, job="publish_draft")
    later: list[float] = []  # [defer_s, the row's attempt when this pass started]
    done = await _leased(ctx, outbox_id, lambda args: _publish_draft(ctx, outbox_id, args["draft_id"], later))
    if later:  # after the lease is given back, so the renewer cannot take it again
        await _reschedule(ctx, outbox_id, later[0], int(later[1]))
    return done


async def _publish_draft(ctx: Ctx, outbox_id: int, draft_id: int, later: list[float]) -> str:
    log_context.bind(draft_id=draft_id)
    sm, clock = ctx["sessionmaker"], ctx["clock"]
    async with sm.begin() as session:
        started_attempt = (await outbox.get(session, outbox_id)).attempt  # type: ignore[union-attr]
        draft = await publications.begin(session, draft_id, now=clock())
        revision = await queries.revision(session, draft_id, draft.approved_revision) if draft else None
    if draft is None or revision is None:
        await _finish(ctx, outbox_id)
        return f"draft {draft_id} is not approved; nothing to publish"
    if sha256_hex(revision.text) != draft.approved_sha256:
        await _finish(ctx, outbox_id, OutboxStatus.dead, "approved text does not match its hash")
        raise RuntimeError(f"draft {draft_id}: stored text does not match the approved sha256")
    details = revision.details or {}
    post = Post(draft_id=draft_id, revision=revision.number, text=revision.text, sha256=revision.sha256,
                approved_by=draft.decided_by or "", title=details.get("title"),
                tags=tuple(details.get("tags") or ()))
    publisher = Publisher(StorageLedger(ctx, post), label=label)
    for name in draft.destinations:
        await publisher.publish(ctx["destinations"].get(name), name, post)
    retry_in = publisher.retry_in
    async with sm.begin() as session:
        await publications.settle(session, draft_id, now=clock())
        waiting = [p for p in await queries.publications(session, draft_id) if p.status == "retrying"]
    await notify.show_draft(ctx["slack"], sm, draft_id, required=ctx["settings"].signoff_required_approvals)
    await notify.refresh_parent(ctx["slack"], sm, draft_id)
    if waiting:
        # attempts == 0: a person pressed Retry while this pass ran; go again at once.
        later += [0.0 if any(p.attempts == 0 for p in waiting) else min(retry_in or [60.0]), started_attempt]
        return f"draft {draft_id}: {len(waiting)} part(s) will be retried"
    async with sm.begin() as session:
        if not await publications.finish_pass(session, outbox_id, started_attempt=started_attempt, now=clock()):
            later += [0.0, started_attempt]  # a Retry or a Mark arrived after we looked
            return f"draft {draft_id}: asked again during this pass"
    return f"draft {draft_id} published"


async def _reschedule(ctx: Ctx, outbox_id: int, defer_s: float, started_attempt: int) -> None:
    """The same outbox row runs again after `defer_s`: its due_at and arq's defer are one number."""
    async with ctx["sessionmaker"].begin() as session:
        row, defer_s = await publications.reschedule_job(session, outbox_id, now=ctx["clock"](), defer_s=defer_s,
                                                         started_attempt=started_attempt,
                                                         max_attempts=MAX_RESCHEDULES)
        job_id = outbox.arq_job_id(row) if row is not None else None
    if job_id is not None:
        await ctx["queue"].enqueue("publish_draft", outbox_id, job_id, defer_s=defer_s or None)


class StorageLedger:
    """Where destinations.publisher records what happened: storage rows, audit events, Slack notes."""

    def __init__(self, ctx: Ctx, post: Post) -> None:
        self.sm, self.clock, self.slack, self.post = ctx["sessionmaker"], ctx["clock"], ctx["slack"], post

    async def claim(self, destination: str, index: int, text: str) -> ClaimedPart:
        post = self.post
        async with self.sm.begin() as session:
            claim = await publications.claim(
                session, draft_id=post.draft_id, revision=post.revision, destination=destination, part=index,
                sha256=sha256_hex(text), idempotency_key=idempotency_key(post.draft_id, post.revision,
                                                                         destination, index), now=self.clock())
        row = claim.publication
        return ClaimedPart(claim.outcome.value, row.id, destination, index, row.idempotency_key, row.attempts,
                           row.external_id)

    async def succeeded(self, part: ClaimedPart, result: PublishResult, *, how: str = "published") -> None:
        async with self.sm.begin() as session:
            await publications.succeeded(session, part.publication_id, external_id=result.external_id,
                                         url=result.url, now=self.clock(), how=how)

    async def failed(self, part: ClaimedPart, error: str, *, retry_in_s: float | None) -> None:
        async with self.sm.begin() as session:
            await publications.failed(session, part.publication_id, error=error, retry=retry_in_s is not None,
                                      now=self.clock(), retry_in_s=retry_in_s)

    async def resending(self, part: ClaimedPart, why: str) -> None:
        async with self.sm.begin() as session:
            await publications.resending(session, part.publication_id, why=why, now=self.clock())

    async def unconfirmed(self, part: ClaimedPart, why: str) -> None:
        async with self.sm.begin() as session:
            await publications.unconfirmed(session, part.publication_id, why=why, now=self.clock())

    async def hand_off(self, part: ClaimedPart, text: str) -> None:
        """Posted before the row says `handoff`: a crash in between shows the text twice, never zero times."""
        await notify.post_handoff(self.slack, self.sm, self.post.draft_id,
                                  PublicationView(part.publication_id, part.destination, part.index, "handoff"), text)
        async with self.sm.begin() as session:
            await publications.handed_off(session, part.publication_id, now=self.clock())

    async def note(self, text: str) -> None:
        await notify.note_in_thread(self.slack, self.sm, self.post.draft_id, text)


# -- the outbox sweep -----------------------------------------------------------------------------
async def sweep_outbox(ctx: Ctx) -> int:
    """Enqueue every due outbox row whose job is not waiting in Redis; returns how many."""
    sm, clock, queue, settings = ctx["sessionmaker"], ctx["clock"], ctx["queue"], ctx["settings"]
    async with sm() as session:
        rows = await outbox.due(session, now=clock())
    enqueued = 0
    for row in rows:
        status = await queue.status(outbox.arq_job_id(row))
        if status in (JobStatus.queued, JobStatus.deferred):
            continue
        if status is JobStatus.in_progress and row.lease_until is None:
            continue  # picked up a moment ago, not claimed yet
        if status in (JobStatus.complete, JobStatus.in_progress):
            # Finished without marking the row done, or its worker died (the lease ran out).
            # Publish rows are rescheduled by design (backoff), so only runs have a small cap here.
            cap = MAX_RESCHEDULES if row.job == "publish_draft" else settings.signoff_max_job_attempts * 2
            if row.attempt + 1 >= cap:
                await _finish(ctx, row.id, OutboxStatus.dead, "gave up after repeated attempts")
                continue
            async with sm.begin() as session:
                if not await outbox.bump_attempt(session, row.id, row.attempt):
                    continue
            row.attempt += 1
        if await queue.enqueue(row.job, row.id, outbox.arq_job_id(row)):
            enqueued += 1
    return enqueued


async def _sweep_forever(ctx: Ctx) -> None:
    interval, stop = ctx["settings"].signoff_sweep_interval_s, ctx["sweeper_stop"]
    while not stop.is_set():
        try:
            count = await sweep_outbox(ctx)
            if count:
                log.info("outbox sweep enqueued %d job(s)", count)
        except Exception as exc:  # Redis or the database away: try again next round
            log.warning("outbox sweep failed: %s", exc.__class__.__name__)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)


# -- schedules ---------------------------------------------------------------------------------------
# Thin wrappers around bot/schedule_jobs.py and bot/schedule_upkeep.py; every one is idempotent
# (schedule marks, compare-and-set, outbox dedupe keys), so any number of workers may run them.
async def _let_finish(work: Awaitable[Any], grace_s: float = 5.0) -> Any:
    """A shutdown cancels running jobs; give a cron run a moment to end its transaction, because
    an aiosqlite connection cancelled mid-transaction may never close (and keeps its lock)."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(task, grace_s)
        raise


async def schedules_minutely(ctx: Ctx) -> str:
    return await _let_finish(_schedules_minutely(ctx))


async def _schedules_minutely(ctx: Ctx) -> str:
    """Expiry, reminders, digests and weekly reports; one failing step does not stop the others."""
    from bot import schedule_jobs, schedule_upkeep

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
    from bot.schedule_upkeep import fire_scheduled_publishes

    fired = await _let_finish(fire_scheduled_publishes(ctx["sessionmaker"], ctx["clock"], ctx["queue"]))
    return f"{len(fired)} scheduled publish job(s) created"


def _cron_jobs() -> list[Any]:
    from arq import cron

    # Publishes also at start, so one that fell due while no worker ran goes out at once.
    return [cron(schedules_minutely, second=0, unique=True),
            cron(scheduled_publishes, second={5, 20, 35, 50}, unique=True, run_at_startup=True)]


# arq keeps each CronJob's next run on the object: a worker started anew (build_worker) gets fresh ones.
CRON_JOBS = _cron_jobs()


# -- arq settings ---------------------------------------------------------------------------------
FUNCTIONS = [run_draft, publish_draft]


class WorkerSettings:
    """For `arq worker.WorkerSettings`; `signoff worker` builds the same thing via `build_worker`."""

    functions = FUNCTIONS
    cron_jobs = CRON_JOBS
    on_startup = startup
    on_shutdown = shutdown
    queue_name = QUEUE_NAME
    poll_delay = 0.05
    max_tries = 5
    health_check_interval = 15


def build_worker(settings: Settings, redis: ArqRedis, **overrides: Any) -> Worker:
    options: dict[str, Any] = dict(
        functions=FUNCTIONS, cron_jobs=_cron_jobs(), on_startup=startup, on_shutdown=shutdown, redis_pool=redis,
        queue_name=QUEUE_NAME, poll_delay=settings.signoff_poll_delay_s,
        max_tries=settings.signoff_max_job_attempts, health_check_interval=15,
        job_timeout=settings.signoff_run_timeout_s + 30, ctx={"settings": settings},
        # On SIGTERM stop taking jobs and give running ones 10 s; a run cut short after that is
        # taken over by another worker once its lease lapses.
        handle_signals=False, job_completion_wait=10)
    options.update(overrides)
    return Worker(**options)
