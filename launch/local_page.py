"""`signoff try`: the whole of Signoff on this machine, with the local Slack's page in a browser.

Embedded defaults, as `signoff demo` uses: a fresh SQLite file, an embedded Redis unless REDIS_URL
is set, the offline writer unless LLM_BASE_URL is set, and the destinations of SIGNOFF_DESTINATIONS
(the dry run by default). The bot and the worker are the production ones; the page sends them
exactly what Slack would. `signoff try --script` plays `signoff demo`'s scripted conversation instead.
"""

from __future__ import annotations

from pathlib import Path

from bot.settings import Settings
from launch.local_slack import people
from launch.local_slack.stack import LocalStack
from launch.local_slack.web import Page
from launch.processes import wait_for_signal
from launch.redis_server import EmbeddedRedis, find_redis_server

NOTES = Path(__file__).parent / "demo_notes"


def stack_for(settings: Settings, database_url: str, redis_url: str) -> LocalStack:
    """The local stack with the page's people: two approvers, an admin; settings from the environment
    (writer, destinations, policy) apply, except where Slack, the database and Redis are."""
    # An app token in the environment would send the bot to Socket Mode against the real Slack.
    extra: dict = {"signoff_admins": list(people.ADMINS), "slack_app_token": None}
    if not settings.signoff_notes_dir:
        extra["signoff_notes_dir"] = str(NOTES)  # material for the offline writer
    return LocalStack(database_url=database_url, redis_url=redis_url, approvers=people.APPROVERS, **extra)


async def run_page(settings: Settings, host: str, port: int) -> int:
    data_dir = Path(settings.signoff_data_dir)
    db_path = (data_dir / "local-slack.db").resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    # The local Slack keeps its messages in memory, so the database starts fresh with it.
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    embedded = None
    redis_url = settings.redis_url
    if not redis_url:
        embedded = EmbeddedRedis(data_dir / "local-slack-redis", persistent=False)
        redis_url = embedded.start()
    try:
        async with stack_for(settings, f"sqlite+aiosqlite:///{db_path}", redis_url) as stack:
            page = Page(
                stack.slack,
                bot_url=lambda: stack.bot_url,
                signing_secret=stack.signing_secret,
                tools={"Send the digest now": lambda: send_digest(stack)},
            )
            url = await page.start(host, port)
            try:
                print(_banner(stack, url, db_path, embedded is not None, redis_url), flush=True)
                await wait_for_signal()
            finally:
                await page.stop()
    finally:
        if embedded:
            embedded.stop()
    return 0


async def send_digest(stack: LocalStack) -> str:
    """What `signoff digest` does, against this stack: each channel's digest of pending drafts, now."""
    from bot.jobs.configs import schedule_config
    from bot.jobs.schedules import send_digest_now
    from bot.redaction import redactor_for
    from bot.slack.client import build_slack_client
    from bot.slack.pace import SlackRefused
    from storage.clock import utcnow
    from storage.db import create_engine, create_sessionmaker

    settings = stack.settings
    assert settings is not None
    redactor = redactor_for(settings)
    engine = create_engine(settings.database_url)
    try:
        client = build_slack_client(settings.secret("slack_bot_token"), settings.slack_api_url, redactor=redactor)
        counts = await send_digest_now(
            client, create_sessionmaker(engine, redactor=redactor), utcnow, schedule_config(settings)
        )
    except SlackRefused as exc:
        return f"Slack refused the digest: {exc.message}"
    finally:
        await engine.dispose()
    if not counts:
        return "No channel has drafts yet: type /draft first."
    return "Digest sent: " + ", ".join(f"{channel} {sent} message(s)" for channel, sent in counts.items())


def _banner(stack: LocalStack, url: str, db_path: Path, embedded: bool, redis_url: str) -> str:
    settings = stack.settings
    assert settings is not None
    writer = f"the model at {settings.llm_base_url}" if settings.llm_base_url else "the offline writer"
    redis = f"embedded Redis ({find_redis_server()})" if embedded else f"Redis at {redis_url}"
    return (
        f"Signoff on a local Slack: open {url}/\n"
        f"  bot and worker on {redis}, SQLite at {db_path}, {writer}, "
        f"destinations: {', '.join(settings.signoff_destinations)}.\n"
        "  Pick who you are at the top left (carol asks, alice and bob approve, erin is an admin,"
        " dave is a stranger),\n  then type /draft <topic> in #general. Ctrl-C stops everything."
    )
