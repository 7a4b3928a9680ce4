"""Everything Signoff runs, wired together on this machine: local Slack, bot server, arq worker.

`signoff demo` and the end-to-end tests use this, so both exercise the real bot HTTP server
(with Bolt's signature checks), a real arq worker on a real Redis, and a real database.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any, ClassVar

from pydantic import SecretStr

from launch import worker_runner
from launch.local_slack.rate_limits import SlackLimits
from launch.local_slack.server import LocalSlack
from launch.local_slack.user import SlackUser
from bot.queue import connect
from bot.process.runtime import BotRuntime, start_bot
from bot.settings import Settings, load_settings


class LocalStack:
    # Every stack made in this process, so a test harness can check what each one sent and logged.
    created: ClassVar[list["LocalStack"]] = []

    def __init__(
        self,
        *,
        database_url: str,
        redis_url: str,
        approvers: tuple[str, ...] = ("U_ALICE", "U_BOB"),
        run_worker: bool = True,
        socket_mode: bool = False,
        stages: tuple[Any, ...] | None = None,
        rate_limits: SlackLimits | None = None,
        **overrides: Any,
    ) -> None:
        self.slack = LocalSlack(
            bot_token="xoxb-local-" + secrets.token_hex(6),
            app_token="xapp-local-" + secrets.token_hex(6),
            rate_limits=rate_limits,
        )
        self.signing_secret = secrets.token_hex(16)
        self.database_url, self.redis_url = database_url, redis_url
        self.approvers, self.run_worker, self.overrides = approvers, run_worker, overrides
        self.socket_mode = socket_mode
        self.stages = stages  # the pipeline's stages, when a test needs its own
        self.settings: Settings | None = None
        self.bot: BotRuntime | None = None
        self.worker: Any = None
        self._worker_task: asyncio.Task | None = None
        LocalStack.created.append(self)

    def secrets(self) -> list[str]:
        """Every secret value this stack's settings hold (for leak checks)."""
        settings = self.settings or self.settings_for()
        return [
            v.get_secret_value()
            for v in settings.__dict__.values()
            if isinstance(v, SecretStr) and v.get_secret_value()
        ]

    def settings_for(self) -> Settings:
        values: dict[str, Any] = dict(
            slack_bot_token=self.slack.bot_token,
            slack_signing_secret=self.signing_secret,
            slack_api_url=self.slack.api_url,
            redis_url=self.redis_url,
            database_url=self.database_url,
            signoff_approvers=list(self.approvers),
            # Publish at once unless a test or the page asks for an Undo window.
            signoff_undo_s=0,
        )
        if self.socket_mode:
            values["slack_app_token"] = self.slack.app_token
        values.update(self.overrides)
        return load_settings(**values)

    async def start(self) -> "LocalStack":
        await self.slack.start()
        self.settings = self.settings_for()
        self.bot = await start_bot(self.settings, host="127.0.0.1", port=0)
        if self.run_worker:
            await self.start_worker()
        return self

    async def start_worker(self) -> None:
        from worker import SETTINGS, STAGES, build_worker

        assert self.settings is not None
        ctx: dict[str, Any] = {SETTINGS: self.settings}
        if self.stages is not None:
            ctx[STAGES] = list(self.stages)
        self.worker = build_worker(self.settings, connect(self.redis_url), ctx=ctx)
        self._worker_task = worker_runner.start(self.worker)

    async def stop_worker(self) -> None:
        """Let running jobs finish (a job cancelled mid-transaction can leave SQLite locked for the
        next test), then shut the worker down."""
        if self.worker is not None and self._worker_task is not None:
            await worker_runner.stop(self.worker, self._worker_task)
        self.worker, self._worker_task = None, None

    async def stop(self) -> None:
        await self.stop_worker()
        if self.bot is not None:
            await self.bot.stop()
        await self.slack.stop()

    @property
    def bot_url(self) -> str:
        assert self.bot is not None
        return f"http://127.0.0.1:{self.bot.port}"

    def user(self, user_id: str, channel_id: str = "C_GENERAL") -> SlackUser:
        return SlackUser(self.slack, self.bot_url, self.signing_secret, user_id, channel_id=channel_id)

    async def __aenter__(self) -> "LocalStack":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
