"""The local Slack refuses what real Slack refuses: Block Kit over Slack's documented limits gets
Slack's own error answer over HTTP, so such a bug fails here before a workspace sees it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from launch.local_slack import limits
from launch.local_slack.server import LocalSlack


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(value: str = "v", text: str = "Approve") -> dict[str, Any]:
    return {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": text}, "value": value}


def modal(title: str, blocks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": blocks or [section("hi")],
    }


@pytest.fixture
async def slack() -> AsyncIterator[LocalSlack]:
    local = LocalSlack()
    await local.start()
    yield local
    await local.stop()


async def call(slack: LocalSlack, method: str, **args: object) -> dict[str, Any]:
    async with httpx.AsyncClient(trust_env=False) as http:
        response = await http.post(
            slack.api_url + method, json=args, headers={"Authorization": f"Bearer {slack.bot_token}"}
        )
    answer: dict[str, Any] = response.json()
    return answer


async def test_section_text_over_3000_characters_is_refused_as_invalid_blocks(slack: LocalSlack) -> None:
    answer = await call(slack, "chat.postMessage", channel="C_GENERAL", text="t", blocks=[section("x" * 3001)])
    assert answer["ok"] is False and answer["error"] == "invalid_blocks"
    assert answer["response_metadata"]["messages"] == [
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]
    assert slack.messages == {}


async def test_a_message_at_every_limit_is_accepted(slack: LocalSlack) -> None:
    blocks = [section("x" * 3000)] * 49 + [{"type": "actions", "elements": [button("v" * 2000, "b" * 75)]}]
    answer = await call(slack, "chat.postMessage", channel="C_GENERAL", text="t", blocks=blocks)
    assert answer["ok"] is True


async def test_fifty_one_blocks_and_a_long_button_value_are_refused(slack: LocalSlack) -> None:
    posted = await call(slack, "chat.postMessage", channel="C_GENERAL", text="t", blocks=[section("a")])
    answer = await call(
        slack,
        "chat.update",
        channel="C_GENERAL",
        ts=posted["ts"],
        text="t",
        blocks=[section("a")] * 50 + [{"type": "actions", "elements": [button("v" * 2001)]}],
    )
    assert answer["error"] == "invalid_blocks"
    assert answer["errors"] == [
        "must contain at most 50 blocks [json-pointer:/blocks]",
        "must be less than 2001 characters [json-pointer:/blocks/50/elements/0/value]",
    ]
    assert slack.messages[("C_GENERAL", posted["ts"])].blocks == [section("a")]


async def test_a_modal_title_over_24_characters_is_refused_as_invalid_arguments(slack: LocalSlack) -> None:
    answer = await call(slack, "views.open", trigger_id="1.2.x", view=modal("An edit dialog, too long"[:24] + "!"))
    assert answer["error"] == "invalid_arguments"
    assert "[json-pointer:/view/title/text]" in answer["response_metadata"]["messages"][0]
    assert slack.views == []
    assert (await call(slack, "views.open", trigger_id="1.2.x", view=modal("x" * 24)))["ok"] is True


async def test_views_update_replaces_the_open_view_and_checks_it_too(slack: LocalSlack) -> None:
    opened = await call(slack, "views.open", trigger_id="1.2.x", view=modal("First"))
    view_id = opened["view"]["id"]
    assert (await call(slack, "views.update", view_id=view_id, view=modal("y" * 25)))["error"] == "invalid_arguments"
    updated = await call(slack, "views.update", view_id=view_id, view=modal("Second"))
    assert updated["ok"] and updated["view"]["id"] == view_id
    assert [v["title"]["text"] for v in slack.views] == ["Second"]
    assert (await call(slack, "views.update", view_id="V_NONE", view=modal("x")))["error"] == "not_found"


async def test_a_response_url_post_with_refused_blocks_is_answered_400(slack: LocalSlack) -> None:
    async with httpx.AsyncClient(trust_env=False) as http:
        refused = await http.post(slack.url + "/response/k1", json={"text": "t", "blocks": [section("x" * 3001)]})
        accepted = await http.post(slack.url + "/response/k2", json={"text": "t", "blocks": [section("x")]})
    assert (refused.status_code, refused.text) == (400, "invalid_blocks")
    assert accepted.status_code == 200 and [r["key"] for r in slack.responses] == ["k2"]


def test_modal_inputs_confirm_dialogs_and_unknown_block_types_are_checked() -> None:
    confirm = {
        "title": {"type": "plain_text", "text": "t" * 101},
        "text": {"type": "mrkdwn", "text": "ok"},
        "confirm": {"type": "plain_text", "text": "Yes"},
        "deny": {"type": "plain_text", "text": "No"},
    }
    assert limits.message_problems([{"type": "actions", "elements": [{**button(), "confirm": confirm}]}]) == [
        "must be less than 101 characters [json-pointer:/blocks/0/elements/0/confirm/title/text]"
    ]
    assert limits.message_problems([{"type": "input", "label": {"type": "plain_text", "text": "x"}}]) == [
        "unsupported type: input [json-pointer:/blocks/0/type]"
    ]
    field = {
        "type": "input",
        "block_id": "b",
        "label": {"type": "plain_text", "text": "Text"},
        "element": {"type": "plain_text_input", "action_id": "v", "max_length": 3001},
    }
    assert limits.view_problems(modal("Edit", [field])) == [
        "must be at most 3000 [json-pointer:/view/blocks/0/element/max_length]"
    ]
    assert "a view with inputs must have a submit button [json-pointer:/view/submit]" in limits.view_problems(
        {**modal("Edit", [{**field, "element": {"type": "plain_text_input", "action_id": "v"}}]), "submit": None}
    )


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=3100))
def test_section_text_is_refused_exactly_when_it_is_over_3000_characters(text: str) -> None:
    problems = limits.message_problems([section(text)])
    assert bool(problems) == (len(text) > 3000)
