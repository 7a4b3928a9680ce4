"""`signoff` — the command line: try, bot, worker, dev, demo, db upgrade, audit verify."""

from __future__ import annotations

import argparse
import asyncio
import sys

from sqlalchemy.exc import SQLAlchemyError

from bot import logs
from launch import audit_commands
from launch import processes as launch
from bot.redaction import redactor_for
from launch.redis_server import EmbeddedRedisError
from bot.settings import Settings, SettingsError, load_settings
from storage.errors import SchemaMismatch


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


async def db_upgrade(settings: Settings) -> None:
    from storage.db import create_engine
    from storage.migrate import current_revision, upgrade

    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        print(f"database at revision {await current_revision(engine)}")
    finally:
        await engine.dispose()


async def digest_now(settings: Settings, channel: str | None) -> int:
    """Send the digest now (every channel, or one), to try a schedule; Slack refusing exits 1."""
    from bot.jobs.configs import schedule_config
    from bot.jobs.schedules import send_digest_now
    from bot.settings import require
    from bot.slack.client import build_slack_client
    from bot.slack.pace import SlackRefused
    from storage.clock import utcnow
    from storage.db import create_engine, create_sessionmaker, is_sqlite
    from storage.migrate import upgrade

    require(settings, "slack_bot_token")
    engine = create_engine(settings.database_url)
    try:
        if is_sqlite(settings.database_url):
            await upgrade(engine)
        redactor = redactor_for(settings)
        client = build_slack_client(settings.secret("slack_bot_token"), settings.slack_api_url, redactor=redactor)
        counts = await send_digest_now(
            client, create_sessionmaker(engine, redactor=redactor), utcnow, schedule_config(settings), channel=channel
        )
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


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="signoff",
        description="Slack-native content desk: an LLM drafts, a human signs off, Signoff publishes exactly that.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    try_cmd = sub.add_parser(
        "try", help="everything on this machine, with a local Slack in your browser (no workspace or accounts needed)"
    )
    try_cmd.add_argument(
        "--host",
        default="127.0.0.1",
        help="where the page listens (default: this machine only; the page lets anyone act as anyone)",
    )
    try_cmd.add_argument("--port", type=int, default=8080)
    try_cmd.add_argument(
        "--script",
        action="store_true",
        help="play the scripted conversation in the terminal instead (same as `signoff demo`)",
    )
    try_cmd.add_argument(
        "--topic",
        default="what we shipped this week: faster search and a new CLI",
        help="--script: the topic of the scripted /draft",
    )
    for name, text in (
        ("bot", "serve Slack requests on /slack/events (and /healthz)"),
        ("dev", "bot + worker in one process, embedded Redis if REDIS_URL is unset"),
    ):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--host", default="0.0.0.0")
        cmd.add_argument("--port", type=int, default=3000)
    worker = sub.add_parser("worker", help="run the arq worker (drafts, publishing, outbox sweep)")
    worker.add_argument(
        "--check", action="store_true", help="do not run: exit 0 if a worker reported to Redis lately, else 1"
    )
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
        logs.configure(
            "WARNING" if args.command in ("demo", "try") else settings.signoff_log_level, redactor_for(settings)
        )
        if args.command == "bot":
            asyncio.run(launch.run_bot(settings, args.host, args.port))
        elif args.command == "worker" and args.check:
            return asyncio.run(check_worker(settings))
        elif args.command == "worker":
            asyncio.run(launch.run_worker(settings))
        elif args.command == "dev":
            asyncio.run(launch.run_dev(settings, args.host, args.port))
        elif args.command == "demo" or (args.command == "try" and args.script):
            from launch.demo import run_demo

            return asyncio.run(run_demo(settings, args.topic))
        elif args.command == "try":
            from launch.local_page import run_page

            return asyncio.run(run_page(settings, args.host, args.port))
        elif args.command == "db":
            asyncio.run(db_upgrade(settings))
        elif args.command == "digest":
            return asyncio.run(digest_now(settings, args.channel))
        elif args.command == "audit" and args.action == "export":
            return asyncio.run(audit_commands.export(settings, args.output))
        elif args.command == "audit":
            return asyncio.run(audit_commands.verify(settings))
    except SettingsError as exc:
        print(f"signoff: configuration error: {exc}", file=sys.stderr)
        return 2
    except SchemaMismatch as exc:
        print(f"signoff: cannot start: {exc}", file=sys.stderr)
        return 1
    except audit_commands.NoDatabase as exc:
        print(f"signoff audit: {exc}", file=sys.stderr)
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
