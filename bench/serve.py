"""Helper processes for the benchmarks, so the load generator never shares an event loop (or a
CPU's worth of Python) with what it measures. Each role prints one JSON line when it is ready and
runs until its stdin closes (the benchmark exited) or --max-seconds pass.

  serve.py bare-bot                        local Slack + bare Bolt app (ack only)
  serve.py signoff-bot --database-url … --redis-url … [--set key=value …]
                                           local Slack + Signoff's real bot server
  serve.py worker --database-url … --redis-url … --slack-api-url … --bot-token …
                                           Signoff's real arq worker
  serve.py slack                           local Slack only
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import clean_environment  # noqa: E402


def _emit(info: dict) -> None:
    sys.stdout.write(json.dumps(info) + "\n")
    sys.stdout.flush()


async def _until_stdin_closes(max_seconds: float) -> None:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(asyncio.to_thread(sys.stdin.buffer.read), max_seconds)


def _overrides(pairs: list[str]) -> dict[str, Any]:
    """--set signoff_poll_delay_s=0.02 → {"signoff_poll_delay_s": 0.02} (JSON values, else text)."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


async def _local_slack():  # type: ignore[no-untyped-def]
    from bot.local_slack.server import LocalSlack

    slack = LocalSlack(bot_token="xoxb-bench-" + secrets.token_hex(6))
    await slack.start()
    return slack


async def bare_bot(args: argparse.Namespace) -> None:
    from bench.bare import bare_app, web_app
    from bot.server import serve
    from bot.slack_client import build_slack_client

    slack = await _local_slack()
    secret = secrets.token_hex(16)
    app = bare_app(build_slack_client(slack.bot_token, slack.api_url), secret)
    runner, port = await serve(web_app(app), "127.0.0.1", 0)
    _emit({"bot_url": f"http://127.0.0.1:{port}", "secret": secret})
    await _until_stdin_closes(args.max_seconds)
    await runner.cleanup()
    await slack.stop()


async def signoff_bot(args: argparse.Namespace) -> None:
    from bot.runtime import start_bot
    from bot.settings import load_settings

    slack = await _local_slack()
    secret = secrets.token_hex(16)
    settings = load_settings(
        slack_bot_token=slack.bot_token, slack_signing_secret=secret, slack_api_url=slack.api_url,
        redis_url=args.redis_url, database_url=args.database_url, signoff_approvers=args.approvers.split(","),
        signoff_destinations=["dryrun"], **_overrides(args.set))
    bot = await start_bot(settings, host="127.0.0.1", port=0)
    _emit({"bot_url": f"http://127.0.0.1:{bot.port}", "secret": secret, "slack_api_url": slack.api_url,
           "bot_token": slack.bot_token})
    await _until_stdin_closes(args.max_seconds)
    await bot.stop()
    await slack.stop()


async def worker(args: argparse.Namespace) -> None:
    from bot.queue import connect
    from bot.settings import load_settings
    from worker import build_worker

    settings = load_settings(
        slack_bot_token=args.bot_token, slack_signing_secret="unused", slack_api_url=args.slack_api_url,
        redis_url=args.redis_url, database_url=args.database_url, signoff_destinations=["dryrun"],
        **_overrides(args.set))
    arq_worker = build_worker(settings, connect(args.redis_url))
    task = asyncio.create_task(arq_worker.async_run())
    _emit({"worker": "started"})
    await _until_stdin_closes(args.max_seconds)
    arq_worker.handle_sig(2)
    with contextlib.suppress(Exception):
        await asyncio.wait_for(arq_worker.close(), 10)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task


async def slack_only(args: argparse.Namespace) -> None:
    slack = await _local_slack()
    _emit({"slack_api_url": slack.api_url, "bot_token": slack.bot_token})
    await _until_stdin_closes(args.max_seconds)
    await slack.stop()


ROLES = {"bare-bot": bare_bot, "signoff-bot": signoff_bot, "worker": worker, "slack": slack_only}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("role", choices=sorted(ROLES))
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    parser.add_argument("--slack-api-url")
    parser.add_argument("--bot-token")
    parser.add_argument("--approvers", default="U_ALICE")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a Settings override, e.g. signoff_poll_delay_s=0.02")
    parser.add_argument("--max-seconds", type=float, default=900.0)
    args = parser.parse_args()
    clean_environment()
    import logging
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    asyncio.run(ROLES[args.role](args))


if __name__ == "__main__":
    main()
