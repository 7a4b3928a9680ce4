"""Pace every Slack Web API call so a burst never meets a 429: one budget per limit (bot/slack/budget.py),
shared through Redis by every bot and worker process of a workspace.

Each limit is a GCRA ("generic cell rate") reservation kept in one Redis key: the time the next call
may go if the bucket were empty (TAT). A caller takes the next free turn atomically (a Lua script on
Redis' own clock, so processes on different machines agree) and sleeps until it; turns are handed
out in arrival order, so channels and processes share fairly. A 429 that still arrives pushes the
limit's next turn past `Retry-After` for everyone.

Optional calls (progress phrases) go only while their limit is all but unspent (one turn at most
in use); otherwise they are skipped, since a newer state replaces them and a burst's final states
need every turn. Updates of one message that wait for the same turn are
coalesced: the latest state is sent once.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.slack.budget import Rate, budget_for

log = logging.getLogger("signoff.slack.pace")
Sleep = Callable[[float], Awaitable[None]]
Budget = Callable[[str, "str | None"], "tuple[str, Rate]"]

# Times in milliseconds as floats; strings out, since Redis turns a Lua number into an integer.
_TAKE_TURN = """
local interval, tolerance, optional = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3] == '1'
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
if optional and (wait > 0 or tat - now > interval) then return '-1' end
local next_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.3f', next_tat), 'PX', math.ceil(next_tat - now) + 1000)
return string.format('%.3f', wait)
"""
_BACK_OFF = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local after = now + tonumber(ARGV[1]) + tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < after then
  redis.call('SET', KEYS[1], string.format('%.3f', after), 'PX', math.ceil(after - now) + 1000)
end
return 'ok'
"""

_OPTIONAL: contextvars.ContextVar[bool] = contextvars.ContextVar("signoff_optional_slack_call", default=False)


class CallSkipped(Exception):
    """An optional call found no room in its limit and was not sent."""


@contextlib.asynccontextmanager
async def optional() -> AsyncIterator[None]:
    """Slack calls made inside are skipped (quietly) when their limit has no room to spare."""
    token = _OPTIONAL.set(True)
    try:
        yield
    except CallSkipped:
        pass
    finally:
        _OPTIONAL.reset(token)


def workspace_of(token: str | None) -> str:
    """Limits are per workspace; a token names one without putting the token itself in Redis."""
    return hashlib.sha256((token or "").encode()).hexdigest()[:12]


@dataclass
class _Waiting:
    kwargs: dict[str, Any]
    done: asyncio.Future[Any]
    joined: int = 0


@dataclass
class PaceStats:
    turns: int = 0
    waited_s: float = 0.0
    skipped: int = 0
    backed_off: int = 0
    coalesced: int = 0
    by_method: dict[str, int] = field(default_factory=dict)


class Pacer:
    """One per process, shared by its Slack clients (bot/slack/client.py)."""

    def __init__(
        self, redis: Redis, *, prefix: str = "signoff:pace", budget: Budget = budget_for, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.prefix, self.budget, self.sleep = prefix, budget, sleep
        self._take_turn = redis.register_script(_TAKE_TURN)
        self._back_off = redis.register_script(_BACK_OFF)
        self._waiting: dict[Hashable, _Waiting] = {}
        self.stats = PaceStats()

    def _limit(self, workspace: str, method: str, channel: str | None) -> tuple[str, Rate]:
        name, rate = self.budget(method, channel)
        return f"{self.prefix}:{workspace}:{name}", rate

    async def turn(self, workspace: str, method: str, channel: str | None, *, optional: bool | None = None) -> None:
        """Wait for this call's turn; raises CallSkipped for an optional call that would have to wait."""
        optional = _OPTIONAL.get() if optional is None else optional
        key, rate = self._limit(workspace, method, channel)
        interval_ms = rate.interval_s * 1000
        try:
            answer = await self._take_turn(
                keys=[key],
                args=[f"{interval_ms:.3f}", f"{(rate.burst - 1) * interval_ms:.3f}", "1" if optional else "0"],
            )
        except RedisError as exc:
            # Without Redis the call goes unpaced: a 429 is then waited out, never a lost message.
            log.warning("could not pace %s (%s); calling Slack anyway", method, exc.__class__.__name__)
            return
        wait_s = float(answer) / 1000
        if wait_s < 0:
            self.stats.skipped += 1
            raise CallSkipped(method)
        self.stats.turns += 1
        self.stats.by_method[method] = self.stats.by_method.get(method, 0) + 1
        if wait_s > 0:
            self.stats.waited_s += wait_s
            await self.sleep(wait_s)

    async def back_off(self, workspace: str, method: str, channel: str | None, retry_after_s: float) -> None:
        """Slack said 429: nobody spends from this limit until Retry-After has passed."""
        key, rate = self._limit(workspace, method, channel)
        self.stats.backed_off += 1
        with contextlib.suppress(RedisError):
            await self._back_off(
                keys=[key], args=[f"{retry_after_s * 1000:.3f}", f"{(rate.burst - 1) * rate.interval_s * 1000:.3f}"]
            )

    async def latest_wins(
        self,
        message: Hashable,
        kwargs: dict[str, Any],
        take_turn: Callable[[bool], Awaitable[None]],
        send: Callable[[dict[str, Any]], Awaitable[Any]],
    ) -> Any:
        """Update one message: a caller that finds an update of it waiting for its turn replaces that
        update's arguments and shares its answer, so the newest state goes once."""
        waiting = self._waiting.get(message)
        if waiting is not None:
            waiting.kwargs, waiting.joined = kwargs, waiting.joined + 1
            self.stats.coalesced += 1
            return await asyncio.shield(waiting.done)
        waiting = self._waiting[message] = _Waiting(kwargs, asyncio.get_running_loop().create_future())
        # Nobody may be left waiting on a future no one reads: mark its exception as retrieved.
        waiting.done.add_done_callback(lambda f: f.cancelled() or f.exception())
        try:
            try:
                await take_turn(_OPTIONAL.get())
            except CallSkipped:
                if not waiting.joined:
                    raise
                await take_turn(False)  # someone who must be heard joined this optional update
            del self._waiting[message]
            answer = await send(waiting.kwargs)
        except BaseException as exc:
            if self._waiting.get(message) is waiting:
                del self._waiting[message]
            if not waiting.done.done():
                waiting.done.set_exception(exc if isinstance(exc, Exception) else CallSkipped("cancelled"))
            raise
        waiting.done.set_result(answer)
        return answer
