"""The message shortcut "Draft a post from this message", through the real bot and worker: the
modal starts from the message's first line and its channel; the draft lands in the chosen channel
with the message (text, permalink, file names) as its first source, so the figures it quotes are
supported; bad topics come back inside the modal."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.blocks import shortcut
from launch.local_slack.stack import LocalStack
from storage.models import AuditEvent
from tests.e2e.conftest import wait_for_draft
from tests.e2e.slack_fixtures import fixture

MESSAGE = (
    "We cut CI time from 40 to 12 minutes by moving to ARM runners.\nNumbers and the migration notes are in the doc."
)


async def use_shortcut(
    stack: LocalStack, variant: str, user: str = "U_CAROL", channel: str = "C_GENERAL"
) -> dict[str, Any]:
    ts = stack.slack.add_user_message(channel, MESSAGE, user="U_DANA")
    payload = fixture(f"message_action_{variant}")
    payload["user"].update(id=user, username=user.lower(), name=user.lower())
    payload["channel"]["id"] = channel
    payload["message"].update(text=MESSAGE, ts=ts, files=[{"id": "F1", "name": "ci-times.png"}])
    payload["message_ts"] = ts
    opened = len(stack.slack.views)
    reply = await stack.user(user).send_interaction(payload)
    assert reply.status == 200
    views = await stack.slack.wait_for(lambda: stack.slack.views[opened:], 10)
    view: dict[str, Any] = views[0]
    return view


@pytest.mark.parametrize("variant", ["workspace", "org_wide"])
async def test_a_draft_from_a_message_lands_in_the_chosen_channel_with_the_message_as_source(
    stack: LocalStack, sessionmaker: async_sessionmaker[AsyncSession], variant: str
) -> None:
    view = await use_shortcut(stack, variant)
    topic_input = next(b for b in view["blocks"] if b.get("block_id") == shortcut.TOPIC_BLOCK)["element"]
    assert topic_input["initial_value"] == "We cut CI time from 40 to 12 minutes by moving to ARM runners."
    reply = await stack.user("U_CAROL").submit_view(view, {shortcut.CHANNEL_BLOCK: "C_LAUNCH"})
    assert reply.status == 200 and reply.body == "", reply.body
    draft = await wait_for_draft(stack.slack, 1, timeout_s=30)
    assert draft.channel == "C_LAUNCH"
    shown = str(draft.blocks)
    assert "archives/C_GENERAL/p" in shown  # the permalink is the first reference…
    body = next(b for b in draft.blocks if b["type"] == "section")["text"]["text"]
    assert "slack.com" not in body  # …and never a link in the post: outside readers cannot open it
    assert "not in any source" not in shown  # 40 and 12 come from the message itself
    async with sessionmaker() as session:
        requested = await session.scalar(select(AuditEvent).where(AuditEvent.kind == "requested"))
    assert requested is not None
    (source,) = requested.detail["sources"]
    assert source["kind"] == "slack" and "ci-times.png" in source["excerpt"] and MESSAGE in source["excerpt"]


async def test_an_empty_topic_is_refused_inside_the_modal(stack: LocalStack) -> None:
    view = await use_shortcut(stack, "workspace")
    reply = await stack.user("U_CAROL").submit_view(view, {shortcut.TOPIC_BLOCK: "   "})
    answer = reply.json()
    assert answer.get("response_action") == "errors" and shortcut.TOPIC_BLOCK in answer["errors"]


async def test_a_tampered_modal_is_refused_inside_it(stack: LocalStack) -> None:
    view = await use_shortcut(stack, "workspace")
    reply = await stack.user("U_CAROL").submit_view({**view, "private_metadata": '{"c": 1}'}, {})
    answer = reply.json()
    assert answer.get("response_action") == "errors"


def test_the_manifest_declares_the_shortcut_the_app_listens_for() -> None:
    from pathlib import Path

    manifest = (Path(__file__).resolve().parents[2] / "slack-manifest.yml").read_text()
    assert f"callback_id: {shortcut.SHORTCUT}" in manifest and "type: message" in manifest
