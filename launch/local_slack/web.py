"""The local Slack's page: one hand-written HTML/JS/CSS page (static/) and the routes behind it.

Whatever a person does on the page reaches the app as Slack would send it — a signed slash command
form, a signed `block_actions` or `view_submission` payload, a signed Events API message — through
`SlackUser`, so the bot under the page runs exactly as it does under real Slack. What the app does
comes back through the local Slack's Web API and reaches the page as server-sent events.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any, Awaitable, Callable

from aiohttp import web

from launch.local_slack import payloads, people
from launch.local_slack.feed import Feed, Owner
from launch.local_slack.server import LocalSlack
from launch.local_slack.user import Reply, SlackUser

STATIC = Path(__file__).parent / "static"
KEEPALIVE_S = 15


class BadRequest(web.HTTPBadRequest):
    def __init__(self, why: str) -> None:
        super().__init__(text=json.dumps({"ok": False, "error": why}), content_type="application/json")


class Page:
    def __init__(
        self,
        slack: LocalSlack,
        *,
        bot_url: Callable[[], str],
        signing_secret: str,
        tools: dict[str, Callable[[], Awaitable[str]]] | None = None,
    ) -> None:
        self.slack, self.bot_url, self.signing_secret = slack, bot_url, signing_secret
        # Buttons in the developer panel for what a schedule would do later (send the digest now).
        self.tools = tools or {}
        self.feed = Feed(slack)
        people.seat(slack)
        self.url = ""
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/", self._index)
        app.router.add_get("/archives/{channel}/{p}", self._index)  # a permalink opens the page there
        app.router.add_static("/static", STATIC)
        app.router.add_get("/events", self._events)
        app.router.add_post("/send", self._send)
        app.router.add_post("/click", self._click)
        app.router.add_post("/submit", self._submit)
        app.router.add_post("/react", self._react)
        app.router.add_post("/tool", self._tool)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        actual = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{actual}"
        return self.url

    async def stop(self) -> None:
        self.feed.close_all()  # open event streams end, so the server stops at once
        if self._runner is not None:
            await self._runner.cleanup()

    # -- the page and its live feed -------------------------------------------------------------
    async def _index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html")

    async def _events(self, request: web.Request) -> web.StreamResponse:
        user = _person(request.query.get("as", "")).id
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        subscriber = self.feed.subscribe(user)
        try:
            await response.write(_sse({**self.feed.snapshot(user), "tools": list(self.tools)}))
            while True:
                try:
                    event = await asyncio.wait_for(subscriber.queue.get(), KEEPALIVE_S)
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
                    continue
                if event is None:
                    break
                await response.write(_sse(event))
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.feed.unsubscribe(subscriber)
        return response

    # -- what people do ----------------------------------------------------------------------------
    def _user(self, who: people.Person, channel: str) -> SlackUser:
        return SlackUser(
            self.slack, self.bot_url(), self.signing_secret, who.id, channel_id=channel, user_name=who.name
        )

    def _trigger(
        self, who: people.Person, channel: str, thread_ts: str | None = None, ephemeral_ts: str | None = None
    ) -> tuple[str, str]:
        trigger = payloads.trigger_id()
        self.feed.owners[trigger] = Owner(who.id, channel, thread_ts, ephemeral_ts)
        return trigger, f"{self.slack.url}/response/{trigger}"

    async def _to_app(
        self, kind: str, who: people.Person, payload: dict, send: Callable[[], Awaitable[Reply]]
    ) -> Reply:
        try:
            reply = await send()
        except Exception as exc:  # the app is down or restarting: say so on the page
            reply = Reply(0, f"the app could not be reached: {exc.__class__.__name__}")
        self.feed.record(
            {
                "kind": "app",
                "method": kind,
                "user": who.id,
                "args": payload,
                "answer": {"status": reply.status, "body": reply.body[:4000]},
            }
        )
        return reply

    async def _send(self, request: web.Request) -> web.Response:
        """The composer: a slash command goes to the app as a command; anything else is a message."""
        body = await _json(request)
        who, channel = _person(body.get("as")), self._channel(body.get("channel"), body.get("as"))
        text, thread_ts = str(body.get("text", "")).strip(), str(body.get("thread_ts") or "") or None
        if not text:
            raise BadRequest("no_text")
        if text.startswith("/"):
            return await self._slash(who, channel, text, thread_ts)
        text = payloads.typed_text(text, self.slack.bot_user_id)
        ts = self.slack.add_user_message(channel.id, text, user=who.id, thread_ts=thread_ts)
        self.feed.message_changed(channel.id, ts)
        envelope = payloads.message_event(
            team_id=self.slack.team_id,
            bot_user_id=self.slack.bot_user_id,
            person=who,
            channel=channel,
            text=text,
            ts=ts,
            thread_ts=thread_ts,
        )
        await self._to_app("event message", who, envelope, lambda: self._user(who, channel.id).send_event(envelope))
        return web.json_response({"ok": True, "ts": ts})

    async def _slash(
        self, who: people.Person, channel: people.Channel, typed: str, thread_ts: str | None
    ) -> web.Response:
        command, *rest = typed.split(None, 1)
        trigger, response_url = self._trigger(who, channel.id, thread_ts)
        form = payloads.slash_form(
            team_id=self.slack.team_id,
            response_url=response_url,
            trigger=trigger,
            person=who,
            channel=channel,
            command=command,
            text=rest[0].strip() if rest else "",
        )
        reply = await self._to_app(
            "slash command " + command, who, form, lambda: self._user(who, channel.id).send_form(form)
        )
        if reply.status != 200:  # what Slack shows when an app does not answer a command
            self.feed.add_ephemeral(
                who.id,
                channel.id,
                thread_ts=thread_ts,
                text=f'{command} failed with the error "dispatch_failed" ({reply.status})',
            )
        elif reply.body.strip():
            answer = reply.json()
            self.feed.add_ephemeral(
                who.id, channel.id, text=answer.get("text", ""), blocks=answer.get("blocks"), thread_ts=thread_ts
            )
        return web.json_response({"ok": reply.status == 200})

    async def _click(self, request: web.Request) -> web.Response:
        body = await _json(request)
        who, channel = _person(body.get("as")), self._channel(body.get("channel"), body.get("as"))
        message = self._message(who.id, channel.id, str(body.get("ts", "")))
        action_id = str(body.get("action_id", ""))
        found = _element(message.get("blocks", []), body.get("block_index"), action_id)
        if found is None:
            raise BadRequest("no_such_button")
        block_id, element = found
        trigger, response_url = self._trigger(
            who, channel.id, message.get("thread_ts"), message["ts"] if message.get("is_ephemeral") else None
        )
        payload = payloads.block_actions(
            team_id=self.slack.team_id,
            response_url=response_url,
            trigger=trigger,
            person=who,
            channel=channel,
            message=message,
            block_id=block_id,
            element=element,
        )
        reply = await self._to_app(
            "block_actions " + action_id, who, payload, lambda: self._user(who, channel.id).send_interaction(payload)
        )
        return web.json_response({"ok": reply.status == 200, "status": reply.status})

    async def _submit(self, request: web.Request) -> web.Response:
        body = await _json(request)
        who = _person(body.get("as"))
        view = next((v for v in reversed(self.slack.views) if v["id"] == body.get("view_id")), None)
        if view is None or self.feed.view_owners.get(view["id"]) != who.id:
            raise BadRequest("view_not_found")
        typed = {str(k): (str(v) if v else None) for k, v in (body.get("values") or {}).items()}
        trigger = payloads.trigger_id()
        payload = payloads.view_submission(
            team_id=self.slack.team_id, trigger=trigger, person=who, view=view, typed=typed
        )
        reply = await self._to_app(
            "view_submission " + str(view.get("callback_id", "")),
            who,
            payload,
            lambda: self._user(who, "").send_interaction(payload),
        )
        if reply.status != 200:
            return web.json_response(
                {"ok": False, "close": False, "error": f"the app answered {reply.status}; try again"}
            )
        answer = reply.json() if reply.body.strip() else {}
        action = answer.get("response_action")
        if action == "errors":
            return web.json_response({"ok": False, "close": False, "errors": answer.get("errors", {})})
        if action in ("update", "push") and isinstance(answer.get("view"), dict):
            new_id = view["id"] if action == "update" else f"V{len(self.slack.views) + 1:06d}"
            replaced = {**answer["view"], "id": new_id}
            self.slack.views.append(replaced)
            self.feed.view_owners[replaced["id"]] = who.id
            return web.json_response({"ok": True, "close": False, "view": replaced})
        return web.json_response({"ok": True, "close": True})

    async def _react(self, request: web.Request) -> web.Response:
        body = await _json(request)
        who, channel = _person(body.get("as")), self._channel(body.get("channel"), body.get("as"))
        ts, name = str(body.get("ts", "")), str(body.get("name", ""))
        self._message(who.id, channel.id, ts)
        mine = [
            r
            for r in self.slack.reactions
            if r.get("channel") == channel.id
            and r.get("timestamp") == ts
            and r.get("name") == name
            and r.get("user") == who.id
        ]
        for reaction in mine:
            self.slack.reactions.remove(reaction)
        if not mine:
            self.slack.reactions.append({"channel": channel.id, "timestamp": ts, "name": name, "user": who.id})
        self.feed.message_changed(channel.id, ts)
        return web.json_response({"ok": True})

    async def _tool(self, request: web.Request) -> web.Response:
        body = await _json(request)
        who, tool = _person(body.get("as")), self.tools.get(str(body.get("name", "")))
        if tool is None:
            raise BadRequest("no_such_tool")
        said = await tool()
        self.feed.record(
            {
                "kind": "tool",
                "method": str(body["name"]),
                "user": who.id,
                "args": {},
                "answer": {"ok": True, "said": said},
            }
        )
        return web.json_response({"ok": True, "said": said})

    # -- lookups -------------------------------------------------------------------------------------
    def _channel(self, channel_id: Any, user_id: Any) -> people.Channel:
        channel_id = str(channel_id or "")
        if channel_id == people.dm_with_app(str(user_id)):
            return people.Channel(channel_id, "directmessage", private=True)
        for channel in people.CHANNELS:
            if channel.id == channel_id and people.can_see(self.slack, str(user_id), channel_id):
                return channel
        raise BadRequest("channel_not_found")

    def _message(self, user: str, channel: str, ts: str) -> dict:
        found = self.slack.messages.get((channel, ts))
        if found is not None:
            return self.feed.shape(found)
        for ephemeral in self.feed.ephemerals.get(user, []):
            if ephemeral["channel"] == channel and ephemeral["ts"] == ts:
                return ephemeral
        raise BadRequest("message_not_found")


def _person(user_id: Any) -> people.Person:
    try:
        return people.person(str(user_id or ""))
    except KeyError:
        raise BadRequest("user_not_found") from None


async def _json(request: web.Request) -> dict:
    with contextlib.suppress(ValueError):
        body = await request.json()
        if isinstance(body, dict):
            return body
    raise BadRequest("invalid_json")


def _element(blocks: list, block_index: Any, action_id: str) -> tuple[str, dict] | None:
    """The button `action_id` in the block at `block_index`, with the block's id (Slack gives a block
    sent without one an id of its own)."""
    if not isinstance(block_index, int) or not 0 <= block_index < len(blocks):
        return None
    block = blocks[block_index]
    if isinstance(block, dict):
        candidates = list(block.get("elements", [])) if block.get("type") == "actions" else []
        if isinstance(block.get("accessory"), dict):
            candidates.append(block["accessory"])
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return block.get("block_id") or f"b{block_index}", element
    return None


def _sse(event: dict) -> bytes:
    return f"data: {json.dumps(event)}\n\n".encode()
