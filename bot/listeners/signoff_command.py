"""`/signoff <subcommand>`: quick, ephemeral answers read from the database."""

from __future__ import annotations

import asyncio
import re
import shlex
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks import replies
from bot.blocks import reports
from bot.listeners.deps import BotDeps, deps_of
from bot.parsing.draft_ids import parse_draft_id
from bot.listeners.effective import effective
from bot.listeners.interaction import installation_of
from bot.listeners.restore import restore
from bot.listeners.visibility import VisibilityUnknown
from bot.parsing.timeparse import TimeParseError, parse_schedule
from storage import audit, config, edits, listing, queries, schedules
from storage.decisions import approvals_of, record_refusal
from storage.errors import UnknownDraft
from storage.models import Draft

_USER = re.compile(r"<@([UW][A-Z0-9_]+)(?:\|[^>]*)?>|\b([UW][A-Z0-9_]{2,})\b")
SETTABLE = ("approvers", "destinations", "blocked_terms", "digest")


def _draft_id(args: list[str]) -> int | None:
    return parse_draft_id(args[0]) if len(args) == 1 else None


def split_subcommand(text: str) -> tuple[str, list[str]]:
    """`/signoff` text → (subcommand, its words); quotes group words when they are balanced."""
    # shlex splits on ASCII whitespace only; a no-break space pasted from a doc separates words too.
    text = "".join(" " if c.isspace() else c for c in text)
    try:
        words = shlex.split(text)
    except ValueError:  # an unbalanced quote or a trailing backslash: plain words then
        words = text.split()
    return (words[0].lower(), words[1:]) if words else ("help", [])


@dataclass(frozen=True)
class Asked:
    """One `/signoff` request: who asked, through which installation, and the tools to answer."""

    deps: BotDeps
    client: AsyncWebClient
    command: dict
    installation: str

    @property
    def user(self) -> str:
        return str(self.command["user_id"])

    async def visible(self) -> frozenset[str]:
        """The channels this person is in; raises VisibilityUnknown if Slack cannot say in time."""
        try:
            return await asyncio.wait_for(
                self.deps.visibility.channels_of(self.client, self.installation, self.user), VISIBILITY_TIMEOUT_S
            )
        except asyncio.TimeoutError:
            raise VisibilityUnknown("timeout") from None

    def shows(self, draft: Draft, channels: frozenset[str]) -> bool:
        """A draft is shown only inside its installation, and only to members of its channel."""
        if draft.team_id and draft.team_id != self.installation:
            return False
        return self.deps.visibility.may_see(channels, self.user, draft.channel_id, draft.requester_id)


# Answered before the acknowledgement: Slack's 3 s leave room for one users.conversations call.
VISIBILITY_TIMEOUT_S = 2.0


async def handle_signoff(ack: Any, command: dict, client: AsyncWebClient, context: Any) -> None:
    sub, args = split_subcommand(command.get("text") or "")
    handler = HANDLERS.get(sub)
    asked = Asked(deps_of(context), client, command, installation_of(context))
    try:
        text = await handler(asked, args) if handler else reports.HELP
    except VisibilityUnknown:
        text = replies.visibility_unknown()
    await ack(response_type="ephemeral", text=text)


async def pending(asked: Asked, args: list[str]) -> str:
    deps, mine = asked.deps, bool(args and args[0].lower() in ("mine", "me"))
    channels = await asked.visible()
    async with deps.sessionmaker() as session:
        drafts = await (
            listing.waiting_for(session, asked.user, four_eyes=deps.rule.four_eyes)
            if mine
            else listing.waiting(session)
        )
    return reports.pending_list([d for d in drafts if asked.shows(d, channels)], deps.clock(), mine=mine)


async def _about_one_draft(
    asked: Asked, args: list[str], usage: str, answer: Callable[[AsyncSession, Draft], Awaitable[str]]
) -> str:
    draft_id = _draft_id(args)
    if draft_id is None:
        return usage
    channels = await asked.visible()
    async with asked.deps.sessionmaker() as session:
        try:
            draft = await queries.draft(session, draft_id)
        except UnknownDraft:
            return replies.no_such_draft(draft_id)
        if not asked.shows(draft, channels):
            return replies.no_such_draft(draft_id)  # the same answer as for an id that does not exist
        return await answer(session, draft)


async def status(asked: Asked, args: list[str]) -> str:
    async def answer(session: AsyncSession, draft: Draft) -> str:
        return reports.status(
            draft,
            await queries.publications(session, draft.id),
            await approvals_of(session, draft.id, draft.current_revision),
            asked.deps.clock(),
        )

    return await _about_one_draft(asked, args, "Usage: `/signoff status <id>`, e.g. `/signoff status 12`.", answer)


async def history(asked: Asked, args: list[str]) -> str:
    async def answer(session: AsyncSession, draft: Draft) -> str:
        return reports.history(
            draft, await audit.events_for(session, draft.id), await listing.runs_of(session, draft.id)
        )

    return await _about_one_draft(asked, args, "Usage: `/signoff history <id>`.", answer)


async def cancel(asked: Asked, args: list[str]) -> str:
    deps, user, draft_id = asked.deps, asked.user, _draft_id(args)
    if draft_id is None:
        return "Usage: `/signoff cancel <id>`."
    channels = await asked.visible()
    async with deps.sessionmaker.begin() as session:
        try:
            draft = await queries.draft(session, draft_id)
        except UnknownDraft:
            return replies.no_such_draft(draft_id)
        if not asked.shows(draft, channels):
            return replies.no_such_draft(draft_id)
        if not ((await effective(deps, session, asked.installation)).may_decide(user) or user == draft.requester_id):
            await record_refusal(
                session, draft_id=draft_id, user_id=user, action="cancel", why="not an approver", now=deps.clock()
            )
            return replies.not_an_approver("cancel")
        change = await edits.cancel(session, draft_id=draft_id, user_id=user, now=deps.clock())
    if not change.ok:
        return (
            f"Draft #{draft_id} is {change.draft.status.replace('_', ' ')}: neither being written nor "
            "scheduled, so there is nothing to cancel."
        )
    if change.draft.decision_note == "scheduled publication cancelled":
        return f"Cancelled: draft #{draft_id} will not be published."
    return f"Cancelled: draft #{draft_id} will not be written."


async def search(asked: Asked, args: list[str]) -> str:
    if not args:
        return "Usage: `/signoff search <words>`."
    channels = await asked.visible()
    async with asked.deps.sessionmaker() as session:
        hits = await listing.search_drafts(session, " ".join(args), limit=50)
    return reports.search_results(
        " ".join(args), [(d, snippet) for d, snippet in hits if asked.shows(d, channels)][:10]
    )


async def configure(asked: Asked, args: list[str]) -> str:
    deps, command, user, installation = asked.deps, asked.command, asked.user, asked.installation
    async with deps.sessionmaker.begin() as session:
        current = await effective(deps, session, installation)
        if not args or args[0] == "show":
            channel_digest = (await schedules.channel_configs(session)).get(command["channel_id"], {})
            return reports.config_text(
                {
                    "approvers": sorted(current.approvers),
                    "admins": sorted(current.admins),
                    "destinations": current.destinations,
                    "blocked terms": current.blocked_terms,
                    "digest (this channel)": channel_digest.get("schedule") or "default",
                    "required approvals": deps.rule.required,
                    "four eyes": "on" if deps.rule.four_eyes else "off",
                }
            )
        if args[0] != "set" or len(args) < 3 or args[1] not in SETTABLE:
            return "Usage: `/signoff config set approvers|destinations|blocked_terms|digest <value>`."
        if not current.may_configure(user):
            await record_refusal(
                session, draft_id=None, user_id=user, action="config", why="not an admin", now=deps.clock()
            )
            return "Only admins (SIGNOFF_ADMINS) may change the configuration; this attempt was recorded."
        key, raw = args[1], " ".join(args[2:])
        value, problem = _parse_value(key, raw, deps)
        if problem:
            return problem
        if key == "digest":
            # Digests are scheduled per channel: this channel's schedule changes.
            await schedules.set_channel_config(
                session, channel_id=command["channel_id"], value={"schedule": value}, user_id=user, now=deps.clock()
            )
            return f"Saved: the digest for this channel runs {raw}. The change is in the audit trail."
        await config.set_value(session, scope=installation, key=key, value=value, user_id=user, now=deps.clock())
    return f"Saved: {key} = {raw}. The change is in the audit trail."


async def _help(asked: Asked, args: list[str]) -> str:
    return reports.HELP


HANDLERS: dict[str, Callable[[Asked, list[str]], Awaitable[str]]] = {
    "help": _help,
    "pending": pending,
    "status": status,
    "history": history,
    "cancel": cancel,
    "search": search,
    "config": configure,
    "restore": restore,
}


def register(app: AsyncApp) -> None:
    app.command("/signoff")(handle_signoff)


def _parse_value(key: str, raw: str, deps: BotDeps) -> tuple[object, str | None]:
    if key == "approvers":
        users = [a or b for a, b in _USER.findall(raw)]
        return (users, None) if users else (None, "Name approvers as Slack user ids (U012AB…) or mentions.")
    if key == "destinations":
        names = [n.strip() for n in raw.split(",") if n.strip()]
        unknown = [n for n in names if n not in deps.destinations]
        if unknown or not names:
            return None, (
                f"Choose among the destinations this installation has credentials for: {', '.join(deps.destinations)}."
            )
        return names, None
    if key == "blocked_terms":
        return [t.strip() for t in raw.split(",") if t.strip()], None
    if key == "digest":
        try:
            parse_schedule(raw)
        except TimeParseError as exc:
            return None, f"Digest schedule: {exc}"
    return raw.strip(), None
