"""Free text never changes how a request is read, and every input gets a clear answer, never a 500:
signed requests with generated text through the real bot server, checked against what was stored.

One stack serves all the examples of a property (starting one takes a second or two); the worker
runs only where a property needs written drafts.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.blocks import action_ids, modals
from bot.blocks import draft as blocks
from bot.blocks import publication_ids as publish_ids
from bot.blocks import publications as publication_blocks
from bot.parsing.draft_ids import MAX_ID, NotOurValue
from bot.parsing.timeparse import HORIZON_DAYS
from launch.local_slack.server import Message
from launch.local_slack.signing import signed_headers
from launch.local_slack.stack import LocalStack
from launch.local_slack.user import Reply
from pipeline.stages.policy import hidden_characters
from storage.models import Draft, Revision, Run
from tests.bot.strategies import SLACK_TEXT_LIMIT, free_text, json_keys, json_values, time_text
from tests.e2e.conftest import wait_for_draft

# A stack is reused across examples, so the function-scoped fixtures are meant to be shared.
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# Each example of these waits for the worker to write a new draft.
FEWER = settings(PROPERTY, max_examples=30)
MAX_TOPIC = 500
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@pytest.fixture
async def intake(database_url: str, redis_url: str) -> AsyncIterator[LocalStack]:
    """The bot alone: requests are acknowledged and stored; nobody writes the drafts."""
    async with LocalStack(
        database_url=database_url, redis_url=redis_url, run_worker=False, signoff_drafts_per_hour=1_000_000
    ) as running:
        yield running


@pytest.fixture
async def desk(database_url: str, redis_url: str) -> AsyncIterator[LocalStack]:
    """The whole desk, drafts written by the offline writer, no hourly limit in the way."""
    async with LocalStack(
        database_url=database_url,
        redis_url=redis_url,
        approvers=("U_ALICE", "U_BOB"),
        signoff_drafts_per_hour=1_000_000,
    ) as running:
        yield running


@pytest.fixture
def opened() -> dict[str, Any]:
    """What one example opened for the next ones to reuse."""
    return {}


async def draft_count(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(Draft))).scalar_one()


def ephemeral_text(reply: Reply) -> str:
    assert reply.status == 200, (reply.status, reply.body[:300])
    body = reply.json()
    assert body.get("response_type") == "ephemeral" and body.get("text", "").strip(), body
    text: str = body["text"]
    return text


# -- the word "payload" and other form-field names ------------------------------------------------


async def test_a_topic_mentioning_payload_is_drafted_like_any_other(
    intake: LocalStack, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    topic = "how our payload parser reads payload=1&type=block_actions"
    text = ephemeral_text(await intake.user("U_CAROL").slash("/draft", topic))
    assert "drafting #1" in text
    async with sessionmaker() as session:
        assert (await session.scalars(select(Draft.topic))).all() == [topic]


async def test_socket_mode_reads_a_topic_mentioning_payload_too(database_url: str, redis_url: str) -> None:
    async with LocalStack(database_url=database_url, redis_url=redis_url, socket_mode=True, run_worker=False) as stack:
        await stack.slack.wait_for(lambda: stack.slack.sockets, 10)
        ack = await stack.user("U_CAROL").slash_over_socket("/draft", "payload ssl_check=1 command=/x")
        assert "drafting #1" in ack["text"]


def _expected_topic(text: str) -> str:
    """What a topic is stored as: runs of whitespace and control characters become one space."""
    return " ".join(_CONTROL.sub(" ", text).split())


@PROPERTY
@given(text=free_text(SLACK_TEXT_LIMIT))
async def test_any_draft_topic_is_answered_and_stored_exactly_or_refused_clearly(
    intake: LocalStack, sessionmaker: async_sessionmaker[AsyncSession], text: str
) -> None:
    text = re.sub(r"--(?=to|at)", "—", text)  # options have their own property below; here all is topic
    expected = _expected_topic(text)
    before = await draft_count(sessionmaker)
    answer = ephemeral_text(await intake.user("U_CAROL").slash("/draft", text))
    stored = await draft_count(sessionmaker)
    if not expected:
        assert "Tell me what to write about" in answer and stored == before
    elif len(expected) > MAX_TOPIC:
        assert f"the limit is {MAX_TOPIC}" in answer and stored == before
    elif hidden_characters(expected):
        assert "invisible or direction-changing" in answer and stored == before
    else:
        assert f"drafting #{before + 1}" in answer and stored == before + 1
        async with sessionmaker() as session:
            assert await session.scalar(select(Draft.topic).where(Draft.id == before + 1)) == expected


@PROPERTY
@given(topic=free_text(200), at=time_text(), to=free_text(40))
async def test_any_draft_options_are_answered_with_an_ephemeral_text(
    intake: LocalStack, topic: str, at: str, to: str
) -> None:
    user = intake.user("U_CAROL")
    for text in (f'{topic} --at "{at}"', f"{topic} --at {at}", f"{topic} --to {to}", f"--at={at} {topic}"):
        ephemeral_text(await user.slash("/draft", text))


async def test_a_time_beyond_the_horizon_is_refused_naming_it(
    intake: LocalStack, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    for at in ("in 99999999 days", "9999-12-31 23:59", "in " + "9" * 5000 + " minutes"):
        text = ephemeral_text(await intake.user("U_CAROL").slash("/draft", f'launch --at "{at}"'))
        assert f"at most {HORIZON_DAYS} days ahead" in text
    assert await draft_count(sessionmaker) == 0


# -- /signoff ---------------------------------------------------------------------------------------


async def test_ids_that_are_not_database_integers_get_the_usage_line(intake: LocalStack) -> None:
    user = intake.user("U_CAROL")
    for sub in ("status", "history", "cancel"):
        for typed in ("²", "١٢", "１２", "1_000", str(MAX_ID + 1), "9223372036854775808", "9" * 400):
            assert "Usage: `/signoff" in ephemeral_text(await user.slash("/signoff", f"{sub} {typed}"))
        assert f"There is no draft #{MAX_ID}" in ephemeral_text(await user.slash("/signoff", f"{sub} {MAX_ID}"))


@PROPERTY
@given(
    sub=st.sampled_from(
        [
            "",
            "status ",
            "history ",
            "cancel ",
            "search ",
            "pending ",
            "config ",
            "config set digest ",
            "config set destinations ",
            "help ",
        ]
    ),
    text=free_text(SLACK_TEXT_LIMIT),
)
async def test_any_signoff_text_gets_an_ephemeral_answer(intake: LocalStack, sub: str, text: str) -> None:
    ephemeral_text(await intake.user("U_ALICE").slash("/signoff", (sub + text)[:SLACK_TEXT_LIMIT]))


# -- requests no Slack sends ----------------------------------------------------------------------


async def test_bodies_and_headers_slack_never_sends_get_4xx_not_500(
    intake: LocalStack, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    secret = intake.signing_secret
    slash = urlencode({"command": "/draft", "text": "x", "user_id": "U1", "channel_id": "C1"}).encode()
    cases: list[tuple[bytes, dict[str, Any], int]] = [
        (b"\xff\xfe not utf-8", signed_headers(secret, b"\xff\xfe not utf-8"), 400),
        (b"[1, 2]", signed_headers(secret, b"[1, 2]", content_type="application/json"), 400),
        (b'{"user": 5', signed_headers(secret, b'{"user": 5', content_type="application/json"), 400),
        (b'{"user": 5}', signed_headers(secret, b'{"user": 5}', content_type="application/json"), 400),
        (b"payload=%7Bbroken", signed_headers(secret, b"payload=%7Bbroken"), 400),
        (b"payload=" + b"%5B" * 50_000, signed_headers(secret, b"payload=" + b"%5B" * 50_000), 400),
        (slash, {**signed_headers(secret, slash), "X-Slack-Request-Timestamp": "1.5e9"}, 401),
        (slash, {**signed_headers(secret, slash), "X-Slack-Request-Timestamp": "١٧٠٠٠٠٠٠٠٠".encode()}, 401),
        (slash, {**signed_headers(secret, slash), "X-Slack-Signature": "v0=é".encode()}, 401),
        (b"&".join(b"f%d=x" % i for i in range(60)), {"Content-Type": "application/x-www-form-urlencoded"}, 401),
    ]
    async with httpx.AsyncClient(trust_env=False) as http:
        for body, headers, status in cases:
            response = await http.post(intake.bot_url + "/slack/events", content=body, headers=headers)
            assert response.status_code == status, (body[:40], headers, response.status_code)
    assert await draft_count(sessionmaker) == 0


unsigned_bodies = st.one_of(
    free_text(2000).map(str.encode),
    st.binary(max_size=200),
    st.dictionaries(json_keys, json_values(6)).map(lambda d: json.dumps(d).encode()),
    st.dictionaries(json_keys, free_text(40)).map(lambda d: urlencode(d).encode()),
    json_values(6).map(lambda v: urlencode({"payload": json.dumps(v)}).encode()),
)


@PROPERTY
@given(
    body=unsigned_bodies,
    content_type=st.sampled_from(
        ["application/x-www-form-urlencoded", "application/json", "text/plain", "application/json; charset=utf-8"]
    ),
    timestamp=st.one_of(
        st.none(),
        st.integers(min_value=0).map(str),
        st.sampled_from(["1.5e9", "-1", "0x10", "1_700_000_000", "١٧٠٠٠٠٠٠٠٠", "１７００", "9" * 5000]),
        # What an HTTP client can send at all: no control characters, no spaces at either end.
        st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp")), min_size=1, max_size=20),
    ),
)
async def test_any_unsigned_body_is_refused_without_a_500(
    intake: LocalStack, body: bytes, content_type: str, timestamp: str | None
) -> None:
    headers = {"Content-Type": content_type, "X-Slack-Signature": "v0=" + "0" * 64}
    if timestamp is not None:
        headers["X-Slack-Request-Timestamp"] = timestamp.encode()  # type: ignore[assignment]
    async with httpx.AsyncClient(trust_env=False) as http:
        response = await http.post(intake.bot_url + "/slack/events", content=body, headers=headers)
    # Bolt answers Slack's ssl_check ping (a form with ssl_check=1) before any signature check.
    assert response.status_code in (400, 401) or (response.status_code == 200 and b"ssl_check=1" in body)


# -- dialogs, buttons and thread replies ----------------------------------------------------------


async def eventually(read, timeout_s: float = 10.0):  # type: ignore[no-untyped-def]
    """The first non-None value `read()` returns, polling the database."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while (value := await read()) is None:
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)
    return value


async def first_draft(desk: LocalStack, sessionmaker: async_sessionmaker[AsyncSession]) -> Message:
    """Draft #1, asked for by the first example and reused by the rest."""
    if await draft_count(sessionmaker) == 0:
        await desk.user("U_CAROL").slash("/draft", "free text")
    return await wait_for_draft(desk.slack)


async def open_modal(stack: LocalStack, user: str, message: Message, action: str) -> dict[str, Any]:
    before = len(stack.slack.views)
    await stack.user(user).click(message, action)
    view: dict[str, Any] = (await stack.slack.wait_for(lambda: stack.slack.views[before:], 10))[0]
    return view


async def current_revision(sessionmaker: async_sessionmaker[AsyncSession], draft_id: int) -> tuple[int, str | None]:
    async with sessionmaker() as session:
        number = await session.scalar(select(Draft.current_revision).where(Draft.id == draft_id))
        text = await session.scalar(
            select(Revision.text).where(Revision.draft_id == draft_id, Revision.number == number)
        )
    return number or 0, text


@PROPERTY
@given(text=free_text(modals.INPUT_LIMIT))
async def test_any_edit_is_stored_exactly_or_refused_inside_the_dialog(
    desk: LocalStack, sessionmaker: async_sessionmaker[AsyncSession], text: str
) -> None:
    draft = await first_draft(desk, sessionmaker)
    before, _ = await current_revision(sessionmaker, 1)
    modal = await open_modal(desk, "U_ALICE", draft, action_ids.EDIT)
    reply = await desk.user("U_ALICE").submit_view(modal, {"text_part_0": text})
    assert reply.status == 200, reply.body[:300]
    now, stored = await current_revision(sessionmaker, 1)
    if reply.body:
        answer = reply.json()
        assert answer["response_action"] == "errors" and all(e.strip() for e in answer["errors"].values())
        assert now == before
    else:  # saved as a new revision, or the same text again (the editor is told nothing changed)
        assert now in (before, before + 1) and stored == text
        await desk.slack.wait_for(lambda: f"revision {now}" in str(draft.blocks), 10)


@FEWER
@given(how=st.sampled_from(["reply", "regenerate", "skip"]), text=free_text(1000))
async def test_feedback_reasons_and_thread_replies_are_stored_as_typed(
    desk: LocalStack, sessionmaker: async_sessionmaker[AsyncSession], how: str, text: str
) -> None:
    draft_id = await draft_count(sessionmaker) + 1
    await desk.user("U_CAROL").slash("/draft", f"round trip {draft_id}")
    draft = await wait_for_draft(desk.slack, draft_id)
    expected = _CONTROL.sub(" ", text).strip() or None
    if how == "reply":
        reply = await desk.user("U_ALICE").reply_in_thread(
            draft.channel, draft.thread_ts or draft.ts, f"<@{desk.slack.bot_user_id}> {text}"
        )
        assert reply.status == 200

        async def second_run():  # type: ignore[no-untyped-def]
            async with sessionmaker() as session:
                run = await session.scalar(select(Run).where(Run.draft_id == draft_id, Run.number == 2))
            return run

        assert (await eventually(second_run)).feedback == expected
        return
    action, block = (
        (action_ids.REGENERATE, modals.FEEDBACK_BLOCK)
        if how == "regenerate"
        else (action_ids.SKIP, modals.REASON_BLOCK)
    )
    modal = await open_modal(desk, "U_ALICE", draft, action)
    reply = await desk.user("U_ALICE").submit_view(modal, {block: text})
    assert reply.status == 200 and reply.body == "", reply.body[:300]
    async with sessionmaker() as session:
        if how == "regenerate":
            stored = await session.scalar(select(Run.feedback).where(Run.draft_id == draft_id, Run.number == 2))
        else:
            stored = await session.scalar(select(Draft.decision_note).where(Draft.id == draft_id))
    assert stored == expected


def _names_a_real_row(parse, value) -> bool:  # type: ignore[no-untyped-def]
    """Whether `value` reads as ours and names a row that exists (ids below 1000 here; publication
    ids are never checked against a draft, so any readable one counts)."""
    try:
        parsed = parse(value)
    except NotOurValue:
        return False
    first = parsed["draft_id"] if isinstance(parsed, dict) else parsed[0] if isinstance(parsed, tuple) else parsed
    return parse in (publication_blocks.parse_button_value, publication_blocks.parse_modal_metadata) or first < 1000


# Values Signoff never wrote, and values in its shape naming drafts that do not exist.
tampered = st.one_of(
    free_text(300),
    json_values().map(json.dumps),
    st.builds(
        modals.metadata,
        st.integers(min_value=1000, max_value=MAX_ID),
        st.integers(min_value=0, max_value=MAX_ID),
        free_text(20),
        free_text(20),
    ),
    st.builds(
        blocks.button_value,
        st.integers(min_value=1000, max_value=MAX_ID),
        st.integers(min_value=0, max_value=MAX_ID),
        free_text(64),
    ),
)


@PROPERTY
@given(
    value=tampered,
    action=st.sampled_from(action_ids.DRAFT_BUTTONS + (publish_ids.RETRY, publish_ids.SKIP, publish_ids.MARK)),
)
async def test_a_tampered_button_value_gets_an_ephemeral_explanation(
    desk: LocalStack, sessionmaker: async_sessionmaker[AsyncSession], value: str, action: str
) -> None:
    assume(
        not _names_a_real_row(
            blocks.parse_button_value if action in action_ids.DRAFT_BUTTONS else publication_blocks.parse_button_value,
            value,
        )
    )
    draft = await first_draft(desk, sessionmaker)
    forged = copy.deepcopy(draft)
    forged.blocks = [
        {
            "type": "actions",
            "block_id": "forged",
            "elements": [
                {"type": "button", "action_id": action, "value": value, "text": {"type": "plain_text", "text": "x"}}
            ],
        }
    ]
    told = len(desk.slack.ephemerals)
    reply = await desk.user("U_ALICE").click(forged, action)
    assert reply.status == 200
    answers = await desk.slack.wait_for(lambda: desk.slack.ephemerals[told:], 10)
    assert answers[0]["user"] == "U_ALICE" and "can't read this button" in answers[0]["text"]


DIALOGS = {
    modals.EDIT_VIEW: (modals.edit_modal(1, 1, "text", "{}"), f"{modals.TEXT_BLOCK_PREFIX}0"),
    modals.REGENERATE_VIEW: (modals.regenerate_modal(1, "{}"), modals.FEEDBACK_BLOCK),
    modals.SKIP_VIEW: (modals.skip_modal(1, "{}"), modals.REASON_BLOCK),
    modals.SCHEDULE_VIEW: (modals.schedule_modal(1, 1, "UTC", "{}"), modals.WHEN_BLOCK),
    publish_ids.MARK_VIEW: (
        publication_blocks.mark_modal(1, "x", 0, channel="C", message_ts="1", handoff=False),
        publish_ids.URL_BLOCK,
    ),
}


@PROPERTY
@given(value=tampered, callback_id=st.sampled_from(sorted(DIALOGS)), typed=free_text(200))
async def test_a_tampered_dialog_is_answered_inside_the_dialog(
    desk: LocalStack, sessionmaker: async_sessionmaker[AsyncSession], value: str, callback_id: str, typed: str
) -> None:
    view, block = DIALOGS[callback_id]
    parse = publication_blocks.parse_modal_metadata if callback_id == publish_ids.MARK_VIEW else modals.parse_metadata
    assume(not _names_a_real_row(parse, value))
    await first_draft(desk, sessionmaker)
    reply = await desk.user("U_ALICE").submit_view({**view, "private_metadata": value}, {block: typed})
    assert reply.status == 200, reply.body[:300]
    answer = reply.json()
    assert answer["response_action"] == "errors" and "can't read this button or dialog" in answer["errors"][block]


async def test_a_schedule_beyond_the_horizon_is_refused_inside_the_dialog(
    desk: LocalStack, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    draft = await first_draft(desk, sessionmaker)
    modal = await open_modal(desk, "U_ALICE", draft, action_ids.SCHEDULE)
    for when in ("in 99999999 days", "9999-12-31 23:59", "in 1" + "0" * 4999 + " d", "0001-01-01 00:00"):
        reply = await desk.user("U_ALICE").submit_view(modal, {modals.WHEN_BLOCK: when})
        assert reply.status == 200, (when[:20], reply.status)
        error = reply.json()["errors"][modals.WHEN_BLOCK]
        assert f"at most {HORIZON_DAYS} days ahead" in error or "in the past" in error
    async with sessionmaker() as session:
        assert await session.scalar(select(Draft.status).where(Draft.id == 1)) == "pending"


@PROPERTY
@given(when=time_text())
async def test_any_time_typed_into_the_schedule_dialog_gets_an_answer(
    desk: LocalStack, sessionmaker: async_sessionmaker[AsyncSession], opened: dict[str, Any], when: str
) -> None:
    if not opened:  # once scheduled the draft has no Schedule button; the dialog stays open
        opened["modal"] = await open_modal(desk, "U_ALICE", await first_draft(desk, sessionmaker), action_ids.SCHEDULE)
    modal = opened["modal"]
    reply = await desk.user("U_ALICE").submit_view(modal, {modals.WHEN_BLOCK: when[:100]})
    assert reply.status == 200, reply.body[:300]
    if reply.body:
        assert reply.json()["errors"][modals.WHEN_BLOCK].strip()
        return
    async with sessionmaker() as session:
        row = await session.get(Draft, 1)
    assert row is not None and row.publish_at is not None
    assert row.decided_at is not None
    assert timedelta(0) < row.publish_at - row.decided_at <= timedelta(days=HORIZON_DAYS)
