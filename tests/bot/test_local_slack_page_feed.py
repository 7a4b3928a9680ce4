"""The local Slack page's server, without a browser: its live feed (server-sent events, filtered by
who is looking) and the requests its endpoints send the app, signed exactly as Slack signs them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qs

import aiohttp
import httpx
import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.signature import SignatureVerifier

from launch.local_slack.server import LocalSlack
from launch.local_slack.web import Page

SECRET = "page-test-signing-secret"


class App:
    """Stands where the bot listens: checks each request's signature as Bolt does, keeps it, and
    answers what a test tells it to."""

    def __init__(self) -> None:
        self.verifier = SignatureVerifier(SECRET)
        self.received: list[dict[str, Any]] = []
        self.answer: dict[str, Any] | None = None
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        valid = self.verifier.is_valid_request(body, dict(request.headers))
        self.received.append({"valid": valid, "body": body, "type": request.content_type})
        if not valid:
            return web.json_response({"error": "invalid request"}, status=401)
        return web.json_response(self.answer) if self.answer is not None else web.Response(text="")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/slack/events", self.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]

    async def stop(self) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


World = tuple[LocalSlack, App, Page]


@pytest.fixture
async def world() -> AsyncIterator[World]:
    slack, app = LocalSlack(), App()
    await slack.start()
    await app.start()
    page = Page(slack, bot_url=lambda: app.url, signing_secret=SECRET)
    await page.start()
    yield slack, app, page
    await page.stop()
    await app.stop()
    await slack.stop()


async def web_api(slack: LocalSlack, method: str, **args: object) -> dict[str, Any]:
    async with httpx.AsyncClient(trust_env=False) as http:
        response = await http.post(
            slack.api_url + method, json=args, headers={"Authorization": f"Bearer {slack.bot_token}"}
        )
    answer: dict[str, Any] = response.json()
    return answer


async def to_page(page: Page, path: str, **body: object) -> dict[str, Any]:
    async with httpx.AsyncClient(trust_env=False) as http:
        answer: dict[str, Any] = (await http.post(page.url + path, json=body)).json()
    return answer


class Feed:
    """One open page: the events it receives, as the browser's EventSource would."""

    def __init__(self, page: Page, user: str) -> None:
        self.page, self.user = page, user
        self.events: list[dict[str, Any]] = []
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Feed:
        self._session = aiohttp.ClientSession()
        response = await self._session.get(f"{self.page.url}/events", params={"as": self.user})
        assert response.headers["Content-Type"] == "text/event-stream"

        async def read() -> None:
            async for line in response.content:
                if line.startswith(b"data: "):
                    self.events.append(json.loads(line[6:]))

        self._task = asyncio.ensure_future(read())
        await self.wait(lambda e: e["type"] == "snapshot")
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await self._session.close()

    async def wait(self, matches: Callable[[dict[str, Any]], bool], timeout_s: float = 5.0) -> dict[str, Any]:
        async def first() -> dict[str, Any]:
            while True:
                for event in self.events:
                    if matches(event):
                        return event
                await asyncio.sleep(0.01)

        return await asyncio.wait_for(first(), timeout_s)

    def kinds(self) -> list[str]:
        return [e["type"] for e in self.events]


async def test_the_feed_starts_with_a_snapshot_and_streams_posts_and_updates_in_place(world: World) -> None:
    slack, _, page = world
    async with Feed(page, "U_ALICE") as alice:
        snapshot = alice.events[0]
        assert [c["name"] for c in snapshot["channels"]] == ["general", "launches"]
        posted = await web_api(slack, "chat.postMessage", channel="C_GENERAL", text="Draft #1")
        seen = await alice.wait(lambda e: e["type"] == "message")
        assert seen["message"]["ts"] == posted["ts"] and seen["message"]["user"] == slack.bot_user_id
        await web_api(slack, "chat.update", channel="C_GENERAL", ts=posted["ts"], text="Draft #1, approved")
        updated = await alice.wait(lambda e: e["type"] == "message" and e["message"]["edited"])
        assert updated["message"]["text"] == "Draft #1, approved"
        logged = [e["entry"]["method"] for e in alice.events if e["type"] == "log"]
        assert logged == ["chat.postMessage", "chat.update"]


async def test_each_person_sees_only_their_ephemerals_dms_and_channels(world: World) -> None:
    slack, _, page = world
    async with Feed(page, "U_DAVE") as dave, Feed(page, "U_BOB") as bob:
        assert [c["name"] for c in dave.events[0]["channels"]] == ["general"]  # the stranger
        await web_api(slack, "chat.postMessage", channel="C_LAUNCHES", text="private plans")
        await web_api(slack, "chat.postEphemeral", channel="C_GENERAL", user="U_BOB", text="only bob")
        dm = (await web_api(slack, "conversations.open", users="U_BOB"))["channel"]["id"]
        await web_api(slack, "chat.postMessage", channel=dm, text="a reminder for bob")
        await bob.wait(lambda e: e["type"] == "message" and e["message"]["channel"] == dm)
        await bob.wait(lambda e: e["type"] == "ephemeral" and e["ephemeral"]["text"] == "only bob")
        await bob.wait(lambda e: e["type"] == "message" and e["message"]["text"] == "private plans")
        await dave.wait(
            lambda e: (
                e["type"] == "log"
                and e["entry"]["method"] == "chat.postMessage"
                and e["entry"]["args"]["channel"] == dm
            )
        )
        assert not [e for e in dave.events if e["type"] in ("message", "ephemeral")]


async def test_a_refused_call_reaches_the_page_as_slacks_error(world: World) -> None:
    slack, _, page = world
    async with Feed(page, "U_CAROL") as carol:
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
        await web_api(slack, "chat.postMessage", channel="C_GENERAL", text="t", blocks=blocks)
        refused = await carol.wait(lambda e: e["type"] == "refused")
        assert refused["method"] == "chat.postMessage" and refused["error"] == "invalid_blocks"
        assert refused["errors"] == ["must be less than 3001 characters [json-pointer:/blocks/0/text/text]"]


async def test_a_slash_command_from_the_page_is_a_signed_form_and_its_answer_an_ephemeral(world: World) -> None:
    slack, app, page = world
    app.answer = {"response_type": "ephemeral", "text": "Got it: drafting #1"}
    async with Feed(page, "U_CAROL") as carol:
        assert await to_page(page, "/send", **{"as": "U_CAROL", "channel": "C_GENERAL", "text": "/draft our news"})
        shown = await carol.wait(lambda e: e["type"] == "ephemeral")
        assert shown["ephemeral"]["text"] == "Got it: drafting #1" and shown["ephemeral"]["is_ephemeral"]
    [request] = app.received
    assert request["valid"] and request["type"] == "application/x-www-form-urlencoded"
    form = {k: v[0] for k, v in parse_qs(request["body"].decode()).items()}
    assert (form["command"], form["text"], form["user_id"], form["channel_id"]) == (
        "/draft",
        "our news",
        "U_CAROL",
        "C_GENERAL",
    )
    assert form["response_url"].startswith(slack.url + "/response/")


async def test_a_click_and_a_modal_submission_are_signed_payloads_and_errors_stay_in_the_modal(world: World) -> None:
    slack, app, page = world
    actions = {
        "type": "actions",
        "block_id": "draft_1",
        "elements": [
            {
                "type": "button",
                "action_id": "signoff_edit",
                "value": "1:2:abc",
                "text": {"type": "plain_text", "text": "Edit"},
            }
        ],
    }
    posted = await web_api(slack, "chat.postMessage", channel="C_GENERAL", text="Draft", blocks=[actions])
    clicked = await to_page(
        page,
        "/click",
        **{"as": "U_ALICE", "channel": "C_GENERAL", "ts": posted["ts"], "block_index": 0, "action_id": "signoff_edit"},
    )
    assert clicked["ok"]
    payload = json.loads(parse_qs(app.received[-1]["body"].decode())["payload"][0])
    assert app.received[-1]["valid"] and payload["type"] == "block_actions"
    assert payload["actions"][0] | {"action_ts": ""} == {
        "action_id": "signoff_edit",
        "block_id": "draft_1",
        "type": "button",
        "value": "1:2:abc",
        "action_ts": "",
        "text": {"type": "plain_text", "text": "Edit"},
    }
    field = {
        "type": "input",
        "block_id": "text_part_0",
        "label": {"type": "plain_text", "text": "Text"},
        "element": {"type": "plain_text_input", "action_id": "value", "initial_value": "old"},
    }
    view = {
        "type": "modal",
        "callback_id": "signoff_edit_view",
        "title": {"type": "plain_text", "text": "Edit"},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": [field],
    }
    opened = await web_api(slack, "views.open", trigger_id=payload["trigger_id"], view=view)
    app.answer = {"response_action": "errors", "errors": {"text_part_0": "Too long for X"}}
    answer = await to_page(
        page, "/submit", **{"as": "U_ALICE", "view_id": opened["view"]["id"], "values": {"text_part_0": "new text"}}
    )
    assert answer == {"ok": False, "close": False, "errors": {"text_part_0": "Too long for X"}}
    submitted = json.loads(parse_qs(app.received[-1]["body"].decode())["payload"][0])
    assert app.received[-1]["valid"] and submitted["type"] == "view_submission"
    assert submitted["view"]["state"]["values"] == {
        "text_part_0": {"value": {"type": "plain_text_input", "value": "new text"}}
    }
    app.answer = None
    assert (await to_page(page, "/submit", **{"as": "U_ALICE", "view_id": opened["view"]["id"], "values": {}}))["close"]
    refused = await to_page(page, "/submit", **{"as": "U_BOB", "view_id": opened["view"]["id"], "values": {}})
    assert refused == {"ok": False, "error": "view_not_found"}  # a view is its opener's only


async def test_a_thread_reply_is_posted_and_delivered_as_a_signed_event(world: World) -> None:
    slack, app, page = world
    parent = await web_api(slack, "chat.postMessage", channel="C_GENERAL", text="Draft")
    sent = await to_page(
        page, "/send", **{"as": "U_BOB", "channel": "C_GENERAL", "text": "shorter please", "thread_ts": parent["ts"]}
    )
    assert slack.messages[("C_GENERAL", sent["ts"])].thread_ts == parent["ts"]
    envelope = json.loads(app.received[-1]["body"])
    assert app.received[-1]["valid"] and envelope["type"] == "event_callback"
    assert envelope["event"] | {"event_ts": ""} == {
        "type": "message",
        "channel": "C_GENERAL",
        "user": "U_BOB",
        "text": "shorter please",
        "ts": sent["ts"],
        "event_ts": "",
        "thread_ts": parent["ts"],
        "channel_type": "channel",
    }


async def test_typed_mentions_become_slack_mentions_and_markup_characters_are_escaped(world: World) -> None:
    slack, app, page = world
    parent = await web_api(slack, "chat.postMessage", channel="C_GENERAL", text="Draft")
    sent = await to_page(
        page,
        "/send",
        **{
            "as": "U_ALICE",
            "channel": "C_GENERAL",
            "thread_ts": parent["ts"],
            "text": "@Signoff shorter & ask @carol <!channel> me@example.com @nobody",
        },
    )
    expected = "<@U_SIGNOFF> shorter &amp; ask <@U_CAROL> &lt;!channel&gt; me@example.com @nobody"
    assert slack.messages[("C_GENERAL", sent["ts"])].text == expected
    assert json.loads(app.received[-1]["body"])["event"]["text"] == expected


async def test_the_stranger_cannot_act_in_the_private_channel(world: World) -> None:
    _, app, page = world
    answer = await to_page(page, "/send", **{"as": "U_DAVE", "channel": "C_LAUNCHES", "text": "/draft x"})
    assert answer == {"ok": False, "error": "channel_not_found"} and app.received == []


async def test_an_answer_to_a_click_on_an_ephemeral_replaces_that_ephemeral(world: World) -> None:
    slack, app, page = world
    buttons = [
        {
            "type": "actions",
            "elements": [
                {"type": "button", "action_id": "retry", "value": "1", "text": {"type": "plain_text", "text": "Retry"}}
            ],
        }
    ]
    async with Feed(page, "U_CAROL") as carol:
        await web_api(slack, "chat.postEphemeral", channel="C_GENERAL", user="U_CAROL", text="failed", blocks=buttons)
        first = (await carol.wait(lambda e: e["type"] == "ephemeral"))["ephemeral"]
        await to_page(
            page,
            "/click",
            **{"as": "U_CAROL", "channel": "C_GENERAL", "ts": first["ts"], "block_index": 0, "action_id": "retry"},
        )
        payload = json.loads(parse_qs(app.received[-1]["body"].decode())["payload"][0])
        assert payload["container"]["is_ephemeral"] is True and payload["message"] is None
        async with httpx.AsyncClient(trust_env=False) as http:
            await http.post(payload["response_url"], json={"replace_original": True, "text": "retrying"})
        replaced = await carol.wait(lambda e: e["type"] == "ephemeral" and e["ephemeral"]["text"] == "retrying")
        assert replaced["replaces"] == first["ts"]
        assert [e["text"] for e in page.feed.ephemerals["U_CAROL"]] == ["retrying"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=1, max_size=300).filter(lambda t: t.strip()))
async def test_any_text_typed_reaches_the_app_exactly_and_validly_signed(world: World, text: str) -> None:
    _, app, page = world
    app.answer, before = None, len(app.received)
    await to_page(page, "/send", **{"as": "U_ERIN", "channel": "C_GENERAL", "text": "/signoff " + text})
    [request] = app.received[before:]
    assert request["valid"]
    assert parse_qs(request["body"].decode(), keep_blank_values=True)["text"] == [text.strip()]
