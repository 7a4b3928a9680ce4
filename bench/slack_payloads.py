"""Request bodies shaped like Slack's (the same fields bot/local_slack/user.py sends), plus an
open-loop sender that signs each request at send time, as Slack does.

The sender is open-loop: request i is sent at t0 + i/rate whether or not earlier ones have been
answered, and latency is measured from the *scheduled* time, so a stalled server cannot hide its
queueing delay by slowing the load generator down (coordinated omission).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from launch.local_slack.signing import signed_headers

TEAM, CHANNEL = "T_LOCAL", "C_GENERAL"
_trigger = itertools.count(1)


def slash_body(text: str, *, user_id: str = "U_CAROL", command: str = "/draft", channel: str = CHANNEL) -> bytes:
    trigger = f"{next(_trigger)}.{int(time.time())}.bench"
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "team_domain": "local",
            "channel_id": channel,
            "channel_name": channel.lower(),
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A_SIGNOFF",
            "is_enterprise_install": "false",
            "response_url": f"http://127.0.0.1:9/response/{trigger}",
            "trigger_id": trigger,
        }
    ).encode()


def click_body(
    *,
    action_id: str,
    value: str,
    channel: str,
    message_ts: str,
    thread_ts: str | None,
    text: str,
    blocks: list[Any],
    block_id: str,
    user_id: str = "U_ALICE",
) -> bytes:
    trigger = f"{next(_trigger)}.{int(time.time())}.bench"
    payload = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": TEAM},
        "api_app_id": "A_SIGNOFF",
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
            "thread_ts": thread_ts,
        },
        "trigger_id": trigger,
        "team": {"id": TEAM, "domain": "local"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "general"},
        "message": {"type": "message", "ts": message_ts, "text": text, "blocks": blocks, "thread_ts": thread_ts},
        "response_url": f"http://127.0.0.1:9/response/{trigger}",
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "type": "button",
                "value": value,
                "text": {"type": "plain_text", "text": "Approve"},
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


@dataclass(frozen=True)
class Sent:
    latency_s: float  # from the scheduled send time to the full response
    status: int
    body: str
    at: float = 0.0  # the scheduled send time, on the event loop's (monotonic) clock


def new_session(limit: int = 1000) -> aiohttp.ClientSession:
    # Keep-alive and a large pool: the generator must never be the queue.
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=limit), timeout=aiohttp.ClientTimeout(total=15), trust_env=False
    )


async def _send(session: aiohttp.ClientSession, url: str, secret: str, body: bytes, at: float) -> Sent:
    loop = asyncio.get_running_loop()
    try:
        async with session.post(url, data=body, headers=signed_headers(secret, body)) as response:
            text = await response.text()
            return Sent(loop.time() - at, response.status, text, at)
    except (TimeoutError, aiohttp.ClientError) as exc:
        return Sent(loop.time() - at, 0, exc.__class__.__name__, at)


async def open_loop(
    session: aiohttp.ClientSession, url: str, secret: str, bodies: list[bytes], rate: float
) -> tuple[list[Sent], float]:
    """Send `bodies` at `rate`/s; returns the answers and the worst lateness of the generator."""
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.1
    tasks: list[asyncio.Task[Sent]] = []
    worst_lag = 0.0
    for i, body in enumerate(bodies):
        at = start + i / rate
        delay = at - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        worst_lag = max(worst_lag, loop.time() - at)
        tasks.append(asyncio.create_task(_send(session, url, secret, body, at)))
    return list(await asyncio.gather(*tasks)), worst_lag


async def closed_loop(
    session: aiohttp.ClientSession, url: str, secret: str, bodies: list[bytes], concurrency: int
) -> list[Sent]:
    """For warm-up and set-up: at most `concurrency` requests in flight."""
    gate = asyncio.Semaphore(concurrency)
    loop = asyncio.get_running_loop()

    async def one(body: bytes) -> Sent:
        async with gate:
            return await _send(session, url, secret, body, loop.time())

    return list(await asyncio.gather(*(one(b) for b in bodies)))
