"""What every listener needs to know about a request: which installation's settings apply, where a
click came from, whether the person may act (a refusal is recorded before Slack is answered), and
how to tell one person something afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import replies
from bot.listeners.deps import BotDeps
from bot.listeners.effective import Effective, effective
from storage import decisions


def installation_of(context: Mapping[str, Any]) -> str:
    """Whose settings apply: the installation the request came through, as Bolt resolved it. Never
    the team a payload happens to carry — null in org-wide (Enterprise Grid) installs, and the
    other organisation's in a Slack Connect channel."""
    if context.get("is_enterprise_install") and context.get("enterprise_id"):
        return str(context["enterprise_id"])  # one installation for the whole organisation
    authorized = context.get("authorize_result")
    if authorized is not None and authorized.get("team_id"):
        return str(authorized["team_id"])  # the workspace our token belongs to
    return str(context.get("team_id") or context.get("enterprise_id") or "default")


@dataclass(frozen=True)
class Origin:
    """Who acted and where: a click's message, or a modal's saved place."""

    user: str
    installation: str
    channel: str
    message_ts: str = ""
    thread_ts: str | None = None


def click_origin(body: dict, context: Mapping[str, Any]) -> Origin:
    """The clicked message: `channel` and `message` are missing in some containers (an ephemeral
    message, a view), so fall back on `container`."""
    container = body.get("container") or {}
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id") or ""
    return Origin(
        user=(body.get("user") or {}).get("id", ""),
        installation=installation_of(context),
        channel=channel,
        message_ts=message.get("ts") or container.get("message_ts") or "",
        thread_ts=message.get("thread_ts") or container.get("thread_ts"),
    )


async def tell(client: AsyncWebClient, channel: str, user: str, text: str, thread_ts: str | None = None) -> None:
    """An ephemeral note where the person clicked; from a surface without a channel (the App Home),
    a direct message from the app instead."""
    if channel:
        await client.chat_postEphemeral(channel=channel, user=user, text=text, thread_ts=thread_ts)
    elif user:
        await client.chat_postMessage(channel=user, text=text)


@dataclass(frozen=True)
class Permission:
    """`config` when the person may act; otherwise `refusal`, the sentence to tell them (the
    refusal itself is already in the audit trail)."""

    config: Effective
    refusal: str | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None


async def check(
    deps: BotDeps, *, user: str, installation: str, action: str, draft_id: int | None, requester: str | None = None
) -> Permission:
    """May `user` do `action` (approvers may; the requester too where `requester` is given)? A
    refusal is recorded in the same call, before the caller answers Slack."""
    async with deps.sessionmaker() as session:
        config = await effective(deps, session, installation)
    if config.may_decide(user) or (requester is not None and user == requester):
        return Permission(config)
    why = "no approvers configured" if not config.approvers else "not an approver"
    async with deps.sessionmaker.begin() as session:
        await decisions.record_refusal(
            session, draft_id=draft_id, user_id=user, action=action, why=why, now=deps.clock()
        )
    return Permission(
        config, replies.no_approvers_configured() if not config.approvers else replies.not_an_approver(action)
    )
