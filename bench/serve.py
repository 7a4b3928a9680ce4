"""Helper processes for the benchmarks, so the load generator never shares an event loop (or a
CPU's worth of Python) with what it measures. Each role prints one JSON line when it is ready and
runs until its stdin closes (the benchmark exited) or --max-seconds pass.

  serve.py bare-bot                        local Slack + bare Bolt app (ack only)
  serve.py signoff-bot --database-url … --redis-url … [--set key=value …]
                                           local Slack + Signoff's real bot server
  serve.py worker --database-url … --redis-url … --slack-api-url … --bot-token …
                                           Signoff's real arq worker
  serve.py slack                           local Slack only
  serve.py externals [--limits] [--model-delay S]
                                           local Slack (enforcing Slack's rate limits with --limits)
                                           + a model answering after S seconds; when stdin closes it
                                           prints what Slack saw (calls, 429s, drafts' times) and exits
  serve.py timed-worker --kind signoff|noop --jobs N …
                                           drain a prepared backlog, print rate, RSS, CPU, exit
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import clean_environment
from bench.common import parse_overrides as _overrides
from launch import worker_runner

if TYPE_CHECKING:
    from launch.local_slack.server import LocalSlack


def _emit(info: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(info) + "\n")
    sys.stdout.flush()


async def _until_stdin_closes(max_seconds: float) -> None:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(asyncio.to_thread(sys.stdin.buffer.read), max_seconds)


async def _stop(arq_worker: Any, task: asyncio.Task[Any]) -> None:
    with contextlib.suppress(Exception):  # the measurement is done; a failed close changes nothing
        await worker_runner.stop(arq_worker, task)


async def _local_slack() -> LocalSlack:
    from launch.local_slack.server import LocalSlack

    slack = LocalSlack(bot_token="xoxb-bench-" + secrets.token_hex(6))
    await slack.start()
    return slack


async def bare_bot(args: argparse.Namespace) -> None:
    from bench.bare import bare_app, web_app
    from bot.process.server import serve
    from bot.slack.client import build_slack_client
    from storage.redaction import Redactor

    slack = await _local_slack()
    secret = secrets.token_hex(16)
    app = bare_app(build_slack_client(slack.bot_token, slack.api_url, redactor=Redactor([slack.bot_token])), secret)
    runner, port = await serve(web_app(app), "127.0.0.1", 0)
    _emit({"bot_url": f"http://127.0.0.1:{port}", "secret": secret})
    await _until_stdin_closes(args.max_seconds)
    await runner.cleanup()
    await slack.stop()


async def signoff_bot(args: argparse.Namespace) -> None:
    """With --slack-api-url and --bot-token, the bot talks to that Slack instead of its own."""
    from bot.process.runtime import start_bot
    from bot.settings import load_settings

    slack = await _local_slack() if not args.slack_api_url else None
    api_url, token = (args.slack_api_url, args.bot_token) if slack is None else (slack.api_url, slack.bot_token)
    secret = secrets.token_hex(16)
    settings = load_settings(
        slack_bot_token=token,
        slack_signing_secret=secret,
        slack_api_url=api_url,
        redis_url=args.redis_url,
        database_url=args.database_url,
        signoff_approvers=args.approvers.split(","),
        signoff_destinations=["dryrun"],
        **_overrides(args.set),
    )
    bot = await start_bot(settings, host="127.0.0.1", port=0)
    _emit({"bot_url": f"http://127.0.0.1:{bot.port}", "secret": secret, "slack_api_url": api_url, "bot_token": token})
    await _until_stdin_closes(args.max_seconds)
    await bot.stop()
    if slack is not None:
        await slack.stop()


async def worker(args: argparse.Namespace) -> None:
    from bot.queue import connect
    from bot.settings import load_settings
    from worker import build_worker

    settings = load_settings(
        slack_bot_token=args.bot_token,
        slack_signing_secret="unused",
        slack_api_url=args.slack_api_url,
        redis_url=args.redis_url,
        database_url=args.database_url,
        signoff_destinations=["dryrun"],
        **_overrides(args.set),
    )
    arq_worker = build_worker(settings, connect(args.redis_url))
    task = worker_runner.start(arq_worker)
    _emit({"worker": "started"})
    await _until_stdin_closes(args.max_seconds)
    await _stop(arq_worker, task)


async def timed_worker(args: argparse.Namespace) -> None:
    """Drain a backlog that the benchmark enqueued beforehand; report the rate, RSS and CPU.

    --kind signoff: Signoff's real worker (build_worker), run_draft wrapped only to time it.
    --kind noop:    a raw arq Worker with a no-op job, on the same Redis and poll_delay.
    """
    import resource
    import time

    from arq import Worker
    from arq.worker import func

    from bench.common import memory_mb
    from bot.queue import connect
    from bot.settings import load_settings

    settings = load_settings(
        slack_bot_token=args.bot_token or "xoxb-unused",
        slack_signing_secret="unused",
        slack_api_url=args.slack_api_url or "http://127.0.0.1:9/api/",
        redis_url=args.redis_url,
        database_url=args.database_url or "sqlite+aiosqlite:///unused.db",
        signoff_destinations=["dryrun"],
        **_overrides(args.set),
    )
    spans: list[tuple[float, float]] = []

    def timed(job: Any, name: str) -> Any:
        async def wrapper(ctx: dict[str, Any], *a: Any) -> Any:
            started = time.perf_counter()
            try:
                return await job(ctx, *a)
            finally:
                spans.append((started, time.perf_counter()))

        return func(wrapper, name=name)

    if args.kind == "signoff":
        import worker as signoff

        arq_worker = signoff.build_worker(
            settings,
            connect(args.redis_url),
            max_jobs=args.max_jobs,
            functions=[timed(signoff.run_draft, "run_draft"), signoff.publish_draft],
        )
    else:

        async def noop(ctx: dict[str, Any]) -> None:
            return None

        arq_worker = Worker(
            functions=[timed(noop, "noop")],
            redis_pool=connect(args.redis_url),
            queue_name=args.queue,
            poll_delay=settings.signoff_poll_delay_s,
            max_tries=settings.signoff_max_job_attempts,
            health_check_interval=15,
            max_jobs=args.max_jobs,
            handle_signals=False,
        )
    task = worker_runner.start(arq_worker)
    _emit({"worker": args.kind})
    deadline = time.monotonic() + args.max_seconds
    while len(spans) < args.jobs and time.monotonic() < deadline and not task.done():
        await asyncio.sleep(0.01)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    first, last = min(s for s, _ in spans), max(e for _, e in spans)
    durations = sorted(e - s for s, e in spans)
    _emit(
        {
            "jobs": len(spans),
            "elapsed_s": last - first,
            "rate": len(spans) / (last - first),
            "job_p50_ms": durations[len(durations) // 2] * 1000,
            "cpu_s": usage.ru_utime + usage.ru_stime,
            "memory_mb": memory_mb(),
            "poll_delay": settings.signoff_poll_delay_s,
            "max_jobs": args.max_jobs,
        }
    )
    await _stop(arq_worker, task)


async def slack_only(args: argparse.Namespace) -> None:
    slack = await _local_slack()
    _emit({"slack_api_url": slack.api_url, "bot_token": slack.bot_token})
    await _until_stdin_closes(args.max_seconds)
    await slack.stop()


async def externals(args: argparse.Namespace) -> None:
    import collections

    from bench.model_stand_in import StandIn
    from launch.local_slack.rate_limits import SlackLimits
    from launch.local_slack.server import LocalSlack

    limits = SlackLimits() if args.limits else None
    slack = LocalSlack(bot_token="xoxb-bench-" + secrets.token_hex(6), rate_limits=limits)
    await slack.start()
    model = StandIn(delay_s=args.model_delay)
    await model.start()
    _emit({"slack_api_url": slack.api_url, "bot_token": slack.bot_token, "model_url": model.url})
    await _until_stdin_closes(args.max_seconds)
    # draft id → when its draft message arrived (time.monotonic, the same clock in every process)
    drafted: dict[int, float] = {}
    for call in slack.calls:
        metadata = call.args.get("metadata") or {}
        if call.method == "chat.postMessage" and metadata.get("event_type") == "signoff_draft_message":
            drafted.setdefault(metadata["event_payload"]["draft_id"], call.at)
    refused = limits.refused if limits else []
    _emit(
        {
            "calls": dict(collections.Counter(c.method for c in slack.calls)),
            "refused": len(refused),
            "refused_by_method": dict(collections.Counter(r.method for r in refused)),
            "refused_at": [(r.method, r.at) for r in refused],
            "update_at": [c.at for c in slack.calls if c.method == "chat.update"],
            "drafted": {str(k): v for k, v in drafted.items()},
            "model_calls": model.calls,
        }
    )
    await model.stop()
    await slack.stop()


ROLES = {
    "bare-bot": bare_bot,
    "signoff-bot": signoff_bot,
    "worker": worker,
    "slack": slack_only,
    "externals": externals,
    "timed-worker": timed_worker,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("role", choices=sorted(ROLES))
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    parser.add_argument("--slack-api-url")
    parser.add_argument("--bot-token")
    parser.add_argument("--approvers", default="U_ALICE")
    parser.add_argument("--kind", choices=("signoff", "noop"), default="signoff")
    parser.add_argument("--jobs", type=int, default=0, help="timed-worker: how many jobs to wait for")
    parser.add_argument("--max-jobs", type=int, default=10, help="timed-worker: arq max_jobs (arq's default 10)")
    parser.add_argument("--queue", default="bench:noop", help="timed-worker --kind noop: arq queue name")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a Settings override, e.g. signoff_poll_delay_s=0.02",
    )
    parser.add_argument("--limits", action="store_true", help="externals: enforce Slack's rate limits")
    parser.add_argument("--model-delay", type=float, default=0.0, help="externals: seconds before each model answer")
    parser.add_argument("--max-seconds", type=float, default=900.0)
    args = parser.parse_args()
    clean_environment()
    import logging

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    asyncio.run(ROLES[args.role](args))


if __name__ == "__main__":
    main()
