"""An acknowledged request is a recorded request, for every kind of request.

Slack never redelivers a command, click or submission it got an answer for, nor an event answered
200. So a bot killed inside the window between Slack's answer and the database write would lose
the request. Each test holds the database's write turn (SQLite's writer lock, PostgreSQL's audit
head row), sends one request to a real `signoff bot` process, kills the process while it waits,
and checks: Slack got no 200 (it will retry, or the person sees a failure), or what was asked is
in the database. Then, with nothing held, every 200 is already durable when it arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from bot.blocks import action_ids, modals
from bot.blocks.draft import button_value
from launch.local_slack.server import LocalSlack
from launch.local_slack.signing import signed_headers
from storage import intake, runs
from storage.db import create_engine, create_sessionmaker
from storage.models import Approval, Draft, ProcessedEvent, Revision, Run
from tests.e2e.slack_fixtures import command_form, event_payload, fixture

SECRET = "kill-window-signing-secret"
NOW_TS = "1700000000.000100"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def bot_process(database_url: str, redis_url: str, slack: LocalSlack, log_path) -> AsyncIterator[tuple[Any, ...]]:  # type: ignore[no-untyped-def]
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "SIGNOFF_APPROVERS": "U_ALICE,U_BOB",
    }
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "launch.cli", "bot", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(trust_env=False, timeout=30) as http:
            deadline = time.monotonic() + 30
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get(url + "/healthz")).status_code in (200, 503):
                        break
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"the bot did not start: {Path(log_path).read_text()[-3000:]}")
                await asyncio.sleep(0.1)
            yield process, url, http
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


@contextlib.asynccontextmanager
async def write_turn_held(database_url: str) -> AsyncIterator[None]:
    """Every write of a request's intent waits while this is held (each one appends an audit event)."""
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[1]
        fd = os.open(path + ".writers", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        return
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            transaction = await conn.begin()
            await conn.execute(text("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE"))
            try:
                yield
            finally:
                await transaction.rollback()
    finally:
        await engine.dispose()


async def _pending_draft(database_url: str) -> tuple[int, str]:
    """A pending draft with revision 1, its messages posted: what a click or a reply refers to."""
    engine = create_engine(database_url)
    sm = create_sessionmaker(engine)
    try:
        from storage.clock import utcnow

        async with sm.begin() as session:
            accepted = await intake.request_draft(
                session,
                team_id="T_LOCAL",
                channel_id="C_GENERAL",
                user_id="U_CAROL",
                topic="kill window",
                destinations=["dryrun"],
                now=utcnow(),
            )
            run = await runs.start(session, accepted.run_id, now=utcnow())
            assert run is not None
            revision = await runs.record_revision(
                session, run, text="Hello from the window.", policy_ok=True, details={}, stages=[], now=utcnow()
            )
            await runs.set_messages(session, accepted.draft_id, parent_ts=NOW_TS, message_ts="1700000000.000200")
        assert revision is not None
        return accepted.draft_id, revision.sha256
    finally:
        await engine.dispose()


async def _count(database_url: str, query) -> int:  # type: ignore[no-untyped-def]
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return int((await session.execute(query)).scalar_one())
    finally:
        await engine.dispose()


def _form_body(form: dict[str, Any]) -> tuple[bytes, dict[str, Any]]:
    from urllib.parse import urlencode

    body = urlencode(form).encode()
    return body, signed_headers(SECRET, body)


def _payload_body(payload: dict[str, Any]) -> tuple[bytes, dict[str, Any]]:
    return _form_body({"payload": json.dumps(payload)})


def _event_body(envelope: dict[str, Any]) -> tuple[bytes, dict[str, Any]]:
    body = json.dumps(envelope).encode()
    return body, signed_headers(SECRET, body, content_type="application/json")


def _click(draft_id: int, sha256: str, action_id: str, user: str = "U_ALICE") -> dict[str, Any]:
    payload = fixture("block_actions_workspace")
    payload["user"]["id"] = user
    payload["container"].update(message_ts="1700000000.000200", thread_ts=NOW_TS)
    payload["message"].update(ts="1700000000.000200", thread_ts=NOW_TS)
    payload["actions"][0].update(action_id=action_id, value=button_value(draft_id, 1, sha256))
    return payload


def _submission(view: dict[str, Any], values: dict[str, str], user: str = "U_ALICE") -> dict[str, Any]:
    payload = fixture("view_submission_workspace")
    payload["user"]["id"] = user
    state = {}
    for block in view["blocks"]:
        if block.get("type") == "input":
            element = block["element"]
            state[block["block_id"]] = {
                element["action_id"]: {"type": element["type"], "value": values.get(block["block_id"], "")}
            }
    payload["view"].update(
        callback_id=view["callback_id"],
        private_metadata=view["private_metadata"],
        blocks=view["blocks"],
        state={"values": state},
    )
    return payload


Request = Callable[[int, str], tuple[bytes, dict[str, Any]]]
Recorded = Callable[[str, int], Awaitable[bool]]


async def _drafts_beyond_the_first(url: str, _: int) -> bool:
    return await _count(url, select(func.count()).select_from(Draft)) > 1


async def _approved(url: str, draft_id: int) -> bool:
    return await _count(url, select(func.count()).select_from(Approval).where(Approval.draft_id == draft_id)) > 0


async def _skipped(url: str, draft_id: int) -> bool:
    return await _count(url, select(func.count()).select_from(Draft).where(Draft.status == "skipped")) > 0


async def _edited(url: str, draft_id: int) -> bool:
    return await _count(url, select(func.count()).select_from(Revision).where(Revision.number == 2)) > 0


async def _reply_taken(url: str, draft_id: int) -> bool:
    runs_now = await _count(url, select(func.count()).select_from(Run).where(Run.draft_id == draft_id))
    events = await _count(url, select(func.count()).select_from(ProcessedEvent))
    assert (runs_now > 1) == (events > 0), "the reply and its regenerate request are recorded together"
    return runs_now > 1


def _meta(draft_id: int) -> str:
    return modals.metadata(draft_id, 1, "C_GENERAL", "1700000000.000200")


KINDS: dict[str, tuple[Request, Recorded]] = {
    "/draft": (
        lambda d, h: _form_body(command_form("workspace", command="/draft", text="a new topic", user="U_CAROL")),
        _drafts_beyond_the_first,
    ),
    "Approve": (lambda d, h: _payload_body(_click(d, h, action_ids.APPROVE)), _approved),
    "Skip dialog": (lambda d, h: _payload_body(_submission(modals.skip_modal(d, _meta(d)), {})), _skipped),
    "Edit dialog": (
        lambda d, h: _payload_body(
            _submission(modals.edit_modal(d, 1, "x", _meta(d)), {"text_part_0": "Edited in the window."})
        ),
        _edited,
    ),
    "thread reply": (
        lambda d, h: _event_body(
            event_payload(
                "thread_reply",
                user="U_ALICE",
                channel="C_GENERAL",
                thread_ts=NOW_TS,
                ts="1700000000.000300",
                text="<@U_SIGNOFF> shorter please",
            )
        ),
        _reply_taken,
    ),
}


@pytest.fixture
async def slack() -> AsyncIterator[LocalSlack]:
    local = LocalSlack()
    await local.start()
    yield local
    await local.stop()


@pytest.mark.parametrize("kind", KINDS)
async def test_a_bot_killed_while_recording_never_acknowledged_what_it_lost(
    database_url: str, redis_url: str, slack: LocalSlack, kind: str, tmp_path: Path
) -> None:
    build, recorded = KINDS[kind]
    draft_id, sha256 = await _pending_draft(database_url)
    body, headers = build(draft_id, sha256)
    async with bot_process(database_url, redis_url, slack, tmp_path / "bot.log") as (process, url, http):
        async with write_turn_held(database_url):
            sent = asyncio.ensure_future(http.post(url + "/slack/events", content=body, headers=headers))
            await asyncio.sleep(1.5)  # the bot is now inside the request, waiting for its write turn
            process.send_signal(signal.SIGKILL)
            process.wait(10)
            try:
                status = (await sent).status_code
            except httpx.TransportError:
                status = None  # the connection died with the bot: Slack retries or shows a failure
    assert status != 200 or await recorded(database_url, draft_id), (
        f"{kind}: Slack was told 200 but nothing was recorded"
    )


@pytest.mark.parametrize("kind", KINDS)
async def test_every_acknowledged_request_is_already_in_the_database(
    database_url: str, redis_url: str, slack: LocalSlack, kind: str, tmp_path: Path
) -> None:
    build, recorded = KINDS[kind]
    draft_id, sha256 = await _pending_draft(database_url)
    body, headers = build(draft_id, sha256)
    async with bot_process(database_url, redis_url, slack, tmp_path / "bot.log") as (process, url, http):
        response = await http.post(url + "/slack/events", content=body, headers=headers)
        process.send_signal(signal.SIGKILL)  # nothing after the answer may be needed
        process.wait(10)
    assert response.status_code == 200, response.text
    assert await recorded(database_url, draft_id)
