"""Small helpers shared by the listeners: where a click came from, telling one person something,
checking a permission (and recording a refusal)."""
from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot import replies
from bot.deps import BotDeps
from bot.effective import Effective, effective
from storage import decisions


def where(body: dict) -> tuple[str, str, str | None]:
    """(channel, message ts, thread ts) of the message whose button was clicked."""
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id", "")
    message = body.get("message") or {}
    return channel, message.get("ts", "") or container.get("message_ts", ""), \
        message.get("thread_ts") or container.get("thread_ts")


def team_of(body: dict) -> str:
    return (body.get("team") or {}).get("id") or body.get("team_id") or ""


async def tell(client: AsyncWebClient, channel: str, user: str, text: str, thread_ts: str | None = None) -> None:
    await client.chat_postEphemeral(channel=channel, user=user, text=text, thread_ts=thread_ts)


async def permitted(deps: BotDeps, client: AsyncWebClient, *, user: str, team: str, action: str,
                    draft_id: int | None, channel: str, thread_ts: str | None,
                    requester: str | None = None) -> Effective | None:
    """The effective configuration when `user` may do `action`; otherwise say why and record it."""
    async with deps.sessionmaker() as session:
        config = await effective(deps, session, team)
    if config.may_decide(user) or (requester is not None and user == requester):
        return config
    why = "no approvers configured" if not config.approvers else "not an approver"
    async with deps.sessionmaker.begin() as session:
        await decisions.record_refusal(session, draft_id=draft_id, user_id=user, action=action, why=why,
                                       now=deps.clock())
    await tell(client, channel, user, replies.no_approvers_configured() if not config.approvers
               else replies.not_an_approver(action), thread_ts)
    return None
