"""What each person on the page sees, kept live: the local Slack's Web API calls become page events
(a message posted or updated, an ephemeral, a modal opened or updated, a reaction, a refusal), and
each open page gets the ones it may see over server-sent events."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from launch.local_slack import people
from launch.local_slack.server import LocalSlack, Message

LOG_KEPT = 400  # the developer panel's memory
REFUSALS = ("invalid_blocks", "invalid_arguments")


@dataclass
class Owner:
    """Who did what made Slack hand the app a trigger_id or response_url, and where."""

    user: str
    channel: str
    thread_ts: str | None = None
    ephemeral_ts: str | None = None  # the ephemeral message clicked, which replace_original replaces


@dataclass
class Subscriber:
    user: str
    queue: asyncio.Queue = field(default_factory=asyncio.Queue)


class Feed:
    def __init__(self, slack: LocalSlack) -> None:
        self.slack = slack
        self.owners: dict[str, Owner] = {}  # trigger id (also the response_url key) → owner
        self.view_owners: dict[str, str] = {}  # view id → user
        self.ephemerals: dict[str, list[dict]] = {}
        self.log: list[dict] = []
        self.subscribers: list[Subscriber] = []
        slack.watchers.append(self.on_call)

    # -- what the page subscribes to -----------------------------------------------------------
    def subscribe(self, user: str) -> Subscriber:
        subscriber = Subscriber(user)
        self.subscribers.append(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        if subscriber in self.subscribers:
            self.subscribers.remove(subscriber)

    def close_all(self) -> None:
        for subscriber in self.subscribers:
            subscriber.queue.put_nowait(None)

    def _send(self, event: dict, *, to: str | None = None, channel: str | None = None) -> None:
        for subscriber in self.subscribers:
            if to is not None and subscriber.user != to:
                continue
            if channel is not None and not people.can_see(self.slack, subscriber.user, channel):
                continue
            subscriber.queue.put_nowait(event)

    def snapshot(self, user: str) -> dict:
        messages = [
            self.shape(m)
            for m in sorted(self.slack.messages.values(), key=lambda m: float(m.ts))
            if people.can_see(self.slack, user, m.channel)
        ]
        views = [v for v in self.slack.views if self.view_owners.get(v["id"]) == user]
        return {
            "type": "snapshot",
            "me": user,
            "people": [vars(p) for p in people.CAST],
            "channels": [vars(c) for c in people.CHANNELS if people.can_see(self.slack, user, c.id)],
            "dm": people.dm_with_app(user),
            "messages": messages,
            "ephemerals": self.ephemerals.get(user, []),
            "view": views[-1] if views else None,
            "log": self.log[-LOG_KEPT:],
        }

    # -- shapes ----------------------------------------------------------------------------------
    def shape(self, message: Message) -> dict:
        reactions: dict[str, list[str]] = {}
        for reaction in self.slack.reactions:
            if reaction.get("channel") == message.channel and reaction.get("timestamp") == message.ts:
                reactions.setdefault(reaction.get("name", ""), []).append(reaction.get("user", self.slack.bot_user_id))
        return {
            "channel": message.channel,
            "ts": message.ts,
            "text": message.text,
            "blocks": message.blocks,
            "thread_ts": message.thread_ts,
            "user": self.slack.bot_user_id if message.user == "B_SIGNOFF" else message.user,
            "edited": message.edits > 0,
            "reactions": [{"name": k, "users": v} for k, v in reactions.items()],
        }

    def add_ephemeral(
        self,
        user: str,
        channel: str,
        *,
        text: str = "",
        blocks: list | None = None,
        thread_ts: str | None = None,
        replaces: str | None = None,
    ) -> dict:
        mine = self.ephemerals.setdefault(user, [])
        ephemeral = {
            "channel": channel,
            "ts": self.slack.next_ts(),
            "text": text,
            "blocks": blocks or [],
            "thread_ts": thread_ts,
            "user": self.slack.bot_user_id,
            "is_ephemeral": True,
        }
        if replaces:
            mine[:] = [e for e in mine if e["ts"] != replaces]
        mine.append(ephemeral)
        self._send({"type": "ephemeral", "ephemeral": ephemeral, "replaces": replaces}, to=user)
        return ephemeral

    def message_changed(self, channel: str, ts: str) -> None:
        message = self.slack.messages.get((channel, ts))
        if message is not None:
            self._send({"type": "message", "message": self.shape(message)}, channel=channel)

    def record(self, entry: dict) -> None:
        entry = {"at": time.time(), **entry}
        self.log.append(entry)
        del self.log[:-LOG_KEPT]
        self._send({"type": "log", "entry": entry})

    # -- the local Slack's Web API calls, as people see them --------------------------------------
    def on_call(self, method: str, args: dict, answer: dict) -> None:
        self.record({"kind": "api", "method": method, "args": args, "answer": answer})
        if not answer.get("ok"):
            if answer.get("error") in REFUSALS:
                self._send(
                    {"type": "refused", "method": method, "error": answer["error"], "errors": answer.get("errors", [])}
                )
            return
        if method in ("chat.postMessage", "chat.update"):
            self.message_changed(answer.get("channel", args.get("channel", "")), answer.get("ts", ""))
        elif method == "reactions.add":
            self.message_changed(args.get("channel", ""), args.get("timestamp", ""))
        elif method == "chat.postEphemeral":
            self.add_ephemeral(
                args["user"],
                args["channel"],
                text=args.get("text", ""),
                blocks=args.get("blocks"),
                thread_ts=args.get("thread_ts"),
            )
        elif method in ("views.open", "views.push"):
            owner = self.owners.get(args.get("trigger_id", ""))
            if owner is not None:
                self.view_owners[answer["view"]["id"]] = owner.user
                self._send({"type": "view", "view": answer["view"]}, to=owner.user)
        elif method == "views.update":
            user = self.view_owners.get(answer["view"]["id"])
            if user is not None:
                self._send({"type": "view", "view": answer["view"]}, to=user)
        elif method == "response_url":
            self._responded(args)

    def _responded(self, posted: dict[str, Any]) -> None:
        owner = self.owners.get(posted.get("key", ""))
        if owner is None:
            return
        if posted.get("response_type") == "in_channel":
            return  # Signoff posts to channels with chat.postMessage; nothing to show twice
        original = owner.ephemeral_ts if posted.get("replace_original") or posted.get("delete_original") else None
        if posted.get("delete_original") and original:
            self.ephemerals[owner.user] = [e for e in self.ephemerals.get(owner.user, []) if e["ts"] != original]
            self._send({"type": "ephemeral_deleted", "ts": original}, to=owner.user)
            return
        self.add_ephemeral(
            owner.user,
            owner.channel,
            text=posted.get("text", ""),
            blocks=posted.get("blocks"),
            thread_ts=owner.thread_ts,
            replaces=original,
        )
