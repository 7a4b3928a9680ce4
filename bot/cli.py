"""`signoff` — the command line: bot, worker, dev, demo, db upgrade, audit verify."""
from __future__ import annotations

import argparse
import asyncio
import json
import contextlib
import logging
import signal
import sys
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy.exc import SQLAlchemyError

from bot import logs
from bot.redis_server import EmbeddedRedisError
from bot.settings import Settings, SettingsError, load_settings
from storage.errors import SchemaMismatch

log = logging.getLogger("signoff")


def _secrets(settings: Settings) -> list[str]:
    return [value.get_secret_value() for value in settings.__dict__.values()
            if isinstance(value, SecretStr) and value.get_secret_value()]


async def _wait_for_stop() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def run_bot(settings: Settings, host: str, port: int) -> None:
    from bot.runtime import start_bot

    runtime = await start_bot(settings, host=host, port=port)
    try:
        await _wait_for_stop()
    finally:
        await runtime.stop()


async def run_worker(settings: Settings) -> None:
    from bot import worker_runner
    from bot.queue import connect
    from bot.settings import require
    from bot.worker_config import check_destinations
    from worker import build_worker

    require(settings, "slack_bot_token", "redis_url")
    await check_destinations(settings)
    worker = build_worker(settings, connect(settings.redis_url or ""))
    main = worker_runner.start(worker)
    stop_requested = asyncio.ensure_future(_wait_for_stop())
    try:
        await asyncio.wait([main, stop_requested], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop_requested.cancel()
        # SIGINT/SIGTERM: running jobs get worker_runner.GRACE_S to finish, then the worker stops.
        await worker_runner.stop(worker, main)
    if not main.cancelled() and main.exception() is not None:
        raise main.exception()  # type: ignore[misc]  # e.g. Redis unreachable at start


async def check_worker(settings: Settings) -> int:
    """`signoff worker --check`: exit 0 when a worker has reported to Redis lately (for probes)."""
    from bot.queue import HEALTH_CHECK_INTERVAL_S, Queue, connect
    from bot.settings import require

    require(settings, "redis_url")
    redis = connect(settings.redis_url or "")
    try:
        health = await Queue(redis).worker_health()
    except Exception as exc:
        print(f"signoff: Redis (REDIS_URL) is not reachable: {exc.__class__.__name__}", file=sys.stderr)
        return 1
    finally:
        await redis.aclose()
    if health is None:
        print(f"signoff: no worker has reported in the last {HEALTH_CHECK_INTERVAL_S + 1} s", file=sys.stderr)
        return 1
    print(f"worker alive: {health}")
    return 0


async def run_dev(settings: Settings, host: str, port: int) -> None:
    """Bot and worker in one process, with an embedded Redis when REDIS_URL is not set."""
    from bot import worker_runner
    from bot.queue import connect
    from bot.redis_server import EmbeddedRedis
    from bot.runtime import start_bot
    from bot.worker_config import check_destinations
    from worker import build_worker

    await check_destinations(settings)
    embedded = None
    if not settings.redis_url:
        embedded = EmbeddedRedis(Path(settings.signoff_data_dir) / "redis")
        settings = settings.model_copy(update={"redis_url": embedded.start()})
        log.info("embedded Redis at %s", settings.redis_url)
    runtime = await start_bot(settings, host=host, port=port)
    worker = build_worker(settings, connect(settings.redis_url or ""))
    worker_task = worker_runner.start(worker)
    try:
        await _wait_for_stop()
    finally:
        with contextlib.suppress(Exception):
            await worker_runner.stop(worker, worker_task)
        await runtime.stop()
        if embedded:
            embedded.stop()


async def db_upgrade(settings: Settings) -> None:
    from storage.db import create_engine
    from storage.migrate import current_revision, upgrade

    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        print(f"database at revision {await current_revision(engine)}")
    finally:
        await engine.dispose()


async def audit_verify(settings: Settings) -> int:
    from storage import audit
    from storage.db import create_engine, create_sessionmaker, snapshot

    engine = create_engine(settings.database_url)
    try:
        async with snapshot(create_sessionmaker(engine)) as session:
            report = await audit.verify(session)
    finally:
        await engine.dispose()
    if report.ok:
        # In full, to compare with the head posted daily to SIGNOFF_AUDIT_CHANNEL.
        print(f"audit trail intact: {report.events} events, head #{report.events} {report.head}")
        return 0
    print(f"audit trail BROKEN at event #{report.broken_at_seq}: {report.reason}", file=sys.stderr)
    return 1


async def digest_now(settings: Settings, channel: str | None) -> int:
    """Send the digest now (every channel, or one), to try a schedule; Slack refusing exits 1."""
    from bot.schedule_jobs import schedule_config, send_digest_now
    from bot.settings import require
    from bot.slack_client import build_slack_client
    from bot.slack_pace import SlackRefused
    from storage.clock import utcnow
    from storage.db import create_engine, create_sessionmaker, is_sqlite
    from storage.migrate import upgrade

    require(settings, "slack_bot_token")
    engine = create_engine(settings.database_url)
    try:
        if is_sqlite(settings.database_url):
            await upgrade(engine)
        client = build_slack_client(settings.secret("slack_bot_token"), settings.slack_api_url)
        counts = await send_digest_now(client, create_sessionmaker(engine), utcnow,
                                       schedule_config(settings), channel=channel)
    except SlackRefused as exc:
        print(f"signoff digest: {exc.message}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    for name, sent in counts.items():
        print(f"{name}: {sent} message(s)" if sent else f"{name}: nothing pending, nothing sent")
    if not counts:
        print("no channel has drafts yet; name one with --channel")
    return 0


async def audit_export(settings: Settings, output: str | None) -> int:
    """JSON lines in chain order, each with its hashes, so an archive can be verified on its own."""
    from sqlalchemy import select

    from storage.db import create_engine, create_sessionmaker
    from storage.models import AuditEvent

    engine = create_engine(settings.database_url)
    target = open(output, "w", encoding="utf-8") if output else sys.stdout
    count = 0
    try:
        async with create_sessionmaker(engine)() as session:
            async for e in await session.stream_scalars(select(AuditEvent).order_by(AuditEvent.seq)):
                target.write(json.dumps({"seq": e.seq, "draft_id": e.draft_id, "actor": e.actor, "kind": e.kind,
                                         "detail": e.detail, "created_at": e.created_at.isoformat(),
                                         "prev_hash": e.prev_hash, "hash": e.hash}, ensure_ascii=False) + "\n")
                count += 1
    finally:
        if output:
            target.close()
        await engine.dispose()
    print(f"exported {count} audit events" + (f" to {output}" if output else ""), file=sys.stderr)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="signoff", description="Slack-native content desk: "
                                "an LLM drafts, a human signs off, Signoff publishes exactly that.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, text in (("bot", "serve Slack requests on /slack/events (and /healthz)"),
                       ("dev", "bot + worker in one process, embedded Redis if REDIS_URL is unset")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--host", default="0.0.0.0")
        cmd.add_argument("--port", type=int, default=3000)
    worker = sub.add_parser("worker", help="run the arq worker (drafts, publishing, outbox sweep)")
    worker.add_argument("--check", action="store_true",
                        help="do not run: exit 0 if a worker reported to Redis lately, else 1")
    demo = sub.add_parser("demo", help="a complete run on this machine: local Slack, no accounts needed")
    demo.add_argument("--topic", default="what we shipped this week: faster search and a new CLI")
    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])
    digest = sub.add_parser("digest", help="send the digest of pending drafts now")
    digest.add_argument("--channel", help="only this channel id (default: every digest channel)")
    audit_cmd = sub.add_parser("audit", help="the tamper-evident audit trail")
    audit_cmd.add_argument("action", choices=["verify", "export"])
    audit_cmd.add_argument("--output", "-o", help="export: write JSON lines here (default: standard output)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
        logs.configure("WARNING" if args.command == "demo" else settings.signoff_log_level,
                       _secrets(settings))
        if args.command == "bot":
            asyncio.run(run_bot(settings, args.host, args.port))
        elif args.command == "worker" and args.check:
            return asyncio.run(check_worker(settings))
        elif args.command == "worker":
            asyncio.run(run_worker(settings))
        elif args.command == "dev":
            asyncio.run(run_dev(settings, args.host, args.port))
        elif args.command == "demo":
            from bot.demo import run_demo
            return asyncio.run(run_demo(settings, args.topic))
        elif args.command == "db":
            asyncio.run(db_upgrade(settings))
        elif args.command == "digest":
            return asyncio.run(digest_now(settings, args.channel))
        elif args.command == "audit" and args.action == "export":
            return asyncio.run(audit_export(settings, args.output))
        elif args.command == "audit":
            return asyncio.run(audit_verify(settings))
    except SettingsError as exc:
        print(f"signoff: configuration error: {exc}", file=sys.stderr)
        return 2
    except SchemaMismatch as exc:
        print(f"signoff: cannot start: {exc}", file=sys.stderr)
        return 1
    except (OSError, SQLAlchemyError, EmbeddedRedisError) as exc:
        # A service that is not there is an operator's problem to fix, not a traceback to read.
        print(f"signoff: cannot start: {_unreachable(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


def _unreachable(exc: BaseException) -> str:
    detail = str(getattr(exc, "orig", None) or exc).splitlines()[0][:300]
    if isinstance(exc, EmbeddedRedisError):
        return f"embedded Redis: {detail}"
    if isinstance(exc, SQLAlchemyError) or "Connect call failed" in detail:
        return f"the database (DATABASE_URL) is not reachable: {detail}"
    return detail


if __name__ == "__main__":
    sys.exit(main())
