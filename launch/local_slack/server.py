"""The Slack Web API methods Signoff calls, served locally with Slack's answer shapes."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import WSMsgType, web

from launch.local_slack.limits import message_problems, refusal
from launch.local_slack.rate_limits import SlackLimits, limits_middleware


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list
    thread_ts: str | None = None
    user: str = "B_SIGNOFF"
    edits: int = 0
    metadata: dict | None = None


@dataclass
class Call:
    method: str
    args: dict
    at: float = field(default_factory=time.monotonic)


class LocalSlack:
    """State is kept in memory: messages by (channel, ts), ephemerals, views, reactions, every call."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-local",
        team_id: str = "T_LOCAL",
        bot_user_id: str = "U_SIGNOFF",
        app_token: str = "xapp-local",
        rate_limits: SlackLimits | None = None,
    ) -> None:
        self.rate_limits = rate_limits  # Slack's rate limits, enforced only when given
        self.bot_token, self.team_id, self.bot_user_id = bot_token, team_id, bot_user_id
        self.app_token = app_token
        self.sockets: list[web.WebSocketResponse] = []
        self._socket_replies: dict[str, asyncio.Future] = {}
        self.messages: dict[tuple[str, str], Message] = {}
        self.ephemerals: list[dict] = []
        self.responses: list[dict] = []
        self.views: list[dict] = []
        self.homes: dict[str, dict] = {}  # each person's App Home, as last published
        self.reactions: list[dict] = []
        self.calls: list[Call] = []
        self._faults: dict[str, list[tuple[int, dict, dict]]] = {}
        self.archived: set[str] = set()  # channels that refuse new messages, as archived ones do
        self._lost_answers: dict[str, list[int]] = {}
        # Who is in which channel: a channel listed here (a private one) has just these members;
        # any other channel this Slack has seen is public and everyone is in it.
        self.members: dict[str, set[str]] = {}
        self.channels: set[str] = {"C_GENERAL"}
        self._clock = itertools.count(1)
        self._base_ts = int(time.time())
        self.url = ""
        self._runner: web.AppRunner | None = None
        # Called with (method, args, answer) after every Web API call and response_url post:
        # the local page turns these into what people see.
        self.watchers: list[Callable[[str, dict, dict], None]] = []
        self.files: dict[str, tuple[dict, bytes]] = {}  # id → (files.info's file object, the bytes)

    # -- test and demo controls -------------------------------------------------------------
    def fail_next(
        self, method: str, *, status: int = 429, body: dict | None = None, headers: dict | None = None, times: int = 1
    ) -> None:
        body = body or {"ok": False, "error": "ratelimited"}
        headers = headers or ({"Retry-After": "1"} if status == 429 else {})
        self._faults.setdefault(method, []).extend([(status, body, headers)] * times)

    def lose_answer_next(self, method: str, *, after: int = 0) -> None:
        """Do the next call to `method` (after `after` others), then drop the connection instead of
        answering: the caller cannot know that Slack did it."""
        self._lost_answers.setdefault(method, []).append(after)

    def add_user_message(self, channel: str, text: str, *, user: str, thread_ts: str | None = None) -> str:
        ts = self._next_ts()
        self.messages[(channel, ts)] = Message(channel, ts, text, [], thread_ts, user=user)
        return ts

    def thread(self, channel: str, thread_ts: str) -> list[Message]:
        return sorted(
            (m for m in self.messages.values() if m.channel == channel and m.thread_ts == thread_ts),
            key=lambda m: float(m.ts),
        )

    def channel_messages(self, channel: str) -> list[Message]:
        return sorted(
            (m for m in self.messages.values() if m.channel == channel and not m.thread_ts), key=lambda m: float(m.ts)
        )

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, predicate: Callable[[], Any], timeout_s: float = 10.0) -> Any:
        """Poll until `predicate()` is truthy; listeners finish after the ack, so tests wait."""
        deadline = time.monotonic() + timeout_s
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"local Slack: condition not met within {timeout_s} s")
            await asyncio.sleep(0.02)

    # -- server -----------------------------------------------------------------------------
    def app(self) -> web.Application:
        middlewares: list[Any] = [limits_middleware(self.rate_limits)] if self.rate_limits else []
        app = web.Application(middlewares=middlewares)
        app.router.add_post("/api/{method}", self._dispatch)
        app.router.add_get("/api/{method}", self._dispatch)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_get("/socket", self._socket)
        app.router.add_get("/files-pri/{key}/download/{name}", self._file_download)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        actual = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://{host}:{actual}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def _next_ts(self) -> str:
        return f"{self._base_ts}.{next(self._clock):06d}"

    next_ts = _next_ts  # a ts in this Slack's order, for what the page shows beside its messages

    async def _args(self, request: web.Request) -> dict:
        args: dict[str, Any] = dict(request.query)
        if request.body_exists:  # (not can_read_body: the rate limits may have read it already)
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(await request.post()))
        for key in ("blocks", "attachments", "view", "metadata"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    async def _dispatch(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        self.calls.append(Call(method, args))
        faults = self._faults.get(method)
        if faults:
            status, body, headers = faults.pop(0)
            return web.json_response(body, status=status, headers=headers)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ") or args.get("token", "")
        if method == "apps.connections.open":
            if token != self.app_token:
                return web.json_response({"ok": False, "error": "invalid_auth"})
            return web.json_response({"ok": True, "url": self.url.replace("http://", "ws://") + "/socket"})
        if token != self.bot_token:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        answer = refusal(method, args) or handler(args)
        self._tell_watchers(method, args, answer)
        if self._answer_lost(method) and request.transport is not None:
            request.transport.close()
        return web.json_response(answer)

    def _answer_lost(self, method: str) -> bool:
        waiting = self._lost_answers.get(method)
        if not waiting:
            return False
        if waiting[0] > 0:
            waiting[0] -= 1
            return False
        waiting.pop(0)
        return True

    def _tell_watchers(self, method: str, args: dict, answer: dict) -> None:
        for watcher in self.watchers:
            watcher(method, args, answer)

    async def _response_url(self, request: web.Request) -> web.Response:
        posted = {"key": request.match_info["key"], **(await request.json())}
        problems = message_problems(posted.get("blocks"))
        if problems:  # Slack answers a response_url post with blocks it refuses this way
            self._tell_watchers("response_url", posted, {"ok": False, "error": "invalid_blocks", "errors": problems})
            return web.Response(status=400, text="invalid_blocks")
        self.responses.append(posted)
        self._tell_watchers("response_url", posted, {"ok": True})
        return web.Response(text="ok")

    # -- Socket Mode: Slack's side of the WebSocket ---------------------------------------------
    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self.sockets.append(socket)
        await socket.send_json(
            {"type": "hello", "num_connections": len(self.sockets), "connection_info": {"app_id": "A_SIGNOFF"}}
        )
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                reply = json.loads(message.data)
                waiting = self._socket_replies.pop(reply.get("envelope_id", ""), None)
                if waiting is not None and not waiting.done():
                    waiting.set_result(reply.get("payload") or {})
        self.sockets.remove(socket)
        return socket

    async def socket_request(self, kind: str, payload: dict, timeout_s: float = 5.0) -> dict:
        """Deliver a request over Socket Mode ("slash_commands", "interactive", "events_api") and
        return the payload of the app's acknowledgement."""
        if not self.sockets:
            raise ConnectionError("no app is connected in Socket Mode")
        envelope_id = f"env-{next(self._clock)}"
        self._socket_replies[envelope_id] = asyncio.get_running_loop().create_future()
        await self.sockets[-1].send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        return await asyncio.wait_for(self._socket_replies[envelope_id], timeout_s)

    # -- Web API methods (unknown arguments are ignored, as Slack does) -----------------------
    def _m_auth_test(self, args: dict) -> dict:
        return {
            "ok": True,
            "url": "https://local.slack/",
            "team": "Local",
            "user": "signoff",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": "B_SIGNOFF",
        }

    def _m_chat_postMessage(self, args: dict) -> dict:
        channel = args.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        if channel in self.archived:
            return {"ok": False, "error": "is_archived"}
        ts = self._next_ts()
        message = Message(
            channel,
            ts,
            args.get("text", ""),
            args.get("blocks") or [],
            args.get("thread_ts"),
            metadata=args.get("metadata") or None,
        )
        self.messages[(channel, ts)] = message
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "message": {
                "type": "message",
                "text": message.text,
                "ts": ts,
                "blocks": message.blocks,
                "bot_id": "B_SIGNOFF",
                "thread_ts": message.thread_ts,
            },
        }

    def _m_chat_update(self, args: dict) -> dict:
        message = self.messages.get((args.get("channel", ""), args.get("ts", "")))
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        message.text = args.get("text", message.text)
        if "blocks" in args:
            message.blocks = args["blocks"] or []
        message.edits += 1
        return {"ok": True, "channel": message.channel, "ts": message.ts, "text": message.text}

    def _m_chat_postEphemeral(self, args: dict) -> dict:
        if not args.get("channel") or not args.get("user"):
            return {"ok": False, "error": "invalid_arguments"}
        self.ephemerals.append(args)
        return {"ok": True, "message_ts": self._next_ts()}

    def _m_chat_getPermalink(self, args: dict) -> dict:
        channel, ts = args.get("channel", ""), args.get("message_ts", "")
        if (channel, ts) not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        return {
            "ok": True,
            "channel": channel,
            "permalink": f"https://local.slack/archives/{channel}/p{ts.replace('.', '')}",
        }

    def _m_views_open(self, args: dict) -> dict:
        view = {"id": f"V{len(self.views) + 1:06d}", **(args.get("view") or {})}
        self.views.append(view)
        return {"ok": True, "view": view}

    def _m_views_update(self, args: dict) -> dict:
        """Replace an open view, found by `view_id` or `external_id`; a stale `hash` is refused."""
        for index, view in enumerate(self.views):
            if view["id"] == args.get("view_id") or (
                args.get("external_id") and view.get("external_id") == args.get("external_id")
            ):
                if args.get("hash") and args["hash"] != view.get("hash", args["hash"]):
                    return {"ok": False, "error": "hash_conflict"}
                self.views[index] = {
                    **(args.get("view") or {}),
                    "id": view["id"],
                    "hash": f"{time.time():.6f}",
                    "root_view_id": view.get("root_view_id", view["id"]),
                }
                return {"ok": True, "view": self.views[index]}
        return {"ok": False, "error": "not_found"}

    def _m_views_push(self, args: dict) -> dict:
        view = {"id": f"V{len(self.views) + 1:06d}", **(args.get("view") or {})}
        self.views.append(view)
        return {"ok": True, "view": view}

    def _m_reactions_add(self, args: dict) -> dict:
        self.reactions.append(args)
        return {"ok": True}

    def _m_conversations_history(self, args: dict) -> dict:
        """Newest first, top-level messages only, paginated by cursor (an offset here)."""
        oldest = float(args.get("oldest") or 0)
        found = [m for m in reversed(self.channel_messages(args.get("channel", ""))) if float(m.ts) > oldest]
        return self._page(found, args)

    def _m_conversations_replies(self, args: dict) -> dict:
        """The thread's parent first, then its replies oldest first."""
        channel, ts = args.get("channel", ""), args.get("ts", "")
        parent = self.messages.get((channel, ts))
        if parent is None:
            return {"ok": False, "error": "thread_not_found"}
        return self._page([parent, *self.thread(channel, ts)], args)

    def _page(self, found: list[Message], args: dict) -> dict:
        start, limit = int(args.get("cursor") or 0), max(1, min(int(args.get("limit") or 100), 1000))
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        page = found[start : start + limit]
        more = start + limit < len(found)
        return {
            "ok": True,
            "has_more": more,
            "messages": [self._shape(m, with_metadata) for m in page],
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    @staticmethod
    def _shape(message: Message, with_metadata: bool) -> dict:
        shaped: dict[str, Any] = {
            "type": "message",
            "ts": message.ts,
            "text": message.text,
            "blocks": message.blocks,
            "user": message.user,
        }
        if message.thread_ts:
            shaped["thread_ts"] = message.thread_ts
        if message.user == "B_SIGNOFF":
            shaped["bot_id"] = "B_SIGNOFF"
        if with_metadata and message.metadata:
            shaped["metadata"] = message.metadata
        return shaped

    def is_member(self, user: str, channel: str) -> bool:
        return user in self.members[channel] if channel in self.members else True

    def _m_users_conversations(self, args: dict) -> dict:
        user = args.get("user", "")
        known = sorted(
            self.channels
            | set(self.members)
            | {m.channel for m in self.messages.values() if not m.channel.startswith("D")}
        )
        mine = [
            {"id": c, "is_private": c in self.members, "is_channel": c not in self.members}
            for c in known
            if self.is_member(user, c)
        ]
        start, limit = int(args.get("cursor") or 0), max(1, min(int(args.get("limit") or 100), 1000))
        more = start + limit < len(mine)
        return {
            "ok": True,
            "channels": mine[start : start + limit],
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _m_views_publish(self, args: dict) -> dict:
        user, view = str(args.get("user_id") or ""), args.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        if not user or not isinstance(view, dict) or view.get("type") != "home":
            return {"ok": False, "error": "invalid_arguments"}
        if len(view.get("blocks") or []) > 100:
            return {"ok": False, "error": "invalid_blocks"}
        self.homes[user] = {"id": f"VH{user}", **view}
        return {"ok": True, "view": self.homes[user]}

    def add_file(self, name: str, data: bytes, *, mimetype: str, user: str) -> dict:
        """A file someone uploaded: its object as events and files.info show it."""
        file_id = f"F{len(self.files) + 1:08d}"
        url = f"{self.url}/files-pri/{self.team_id}-{file_id}/download/{name}"
        file = {
            "id": file_id,
            "name": name,
            "title": name,
            "mimetype": mimetype,
            "filetype": name.rsplit(".", 1)[-1],
            "user": user,
            "size": len(data),
            "url_private": url,
            "url_private_download": url,
        }
        self.files[file_id] = (file, data)
        return file

    def _m_files_info(self, args: dict) -> dict:
        found = self.files.get(str(args.get("file")))
        return {"ok": True, "file": found[0]} if found else {"ok": False, "error": "file_not_found"}

    async def _file_download(self, request: web.Request) -> web.Response:
        """As Slack does: the bytes with the bot token, its sign-in page (200, HTML) without."""
        self.calls.append(Call("files-pri", {"path": request.path}))
        file_id = request.match_info["key"].rsplit("-", 1)[-1]
        if request.headers.get("Authorization") != f"Bearer {self.bot_token}":
            return web.Response(text="<html>Sign in to Slack</html>", content_type="text/html")
        if file_id not in self.files:
            return web.Response(status=404)
        file, data = self.files[file_id]
        return web.Response(body=data, content_type=file["mimetype"])

    def _m_conversations_open(self, args: dict) -> dict:
        users = str(args.get("users", ""))
        return {"ok": True, "channel": {"id": "D" + users.replace(",", "_")}}
