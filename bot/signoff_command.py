"""`/signoff <subcommand>`: quick, ephemeral answers read from the database."""
from __future__ import annotations

import re
import shlex

from slack_bolt.async_app import AsyncApp

from bot import replies, reports
from bot.deps import BotDeps
from bot.draft_ids import parse_draft_id
from bot.effective import effective
from bot.timeparse import TimeParseError, parse_schedule
from storage import audit, config, edits, listing, queries, schedules
from storage.decisions import approvals_of, record_refusal
from storage.errors import UnknownDraft

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


def register(app: AsyncApp, deps: BotDeps) -> None:
    @app.command("/signoff")
    async def on_signoff(ack, command) -> None:  # type: ignore[no-untyped-def]
        sub, args = split_subcommand(command.get("text") or "")
        handler = HANDLERS.get(sub)
        text = await handler(deps, command, args) if handler else reports.HELP
        await ack(response_type="ephemeral", text=text)

    async def pending(deps: BotDeps, command: dict, args: list[str]) -> str:
        async with deps.sessionmaker() as session:
            mine = bool(args and args[0].lower() in ("mine", "me"))
            drafts = await (listing.waiting_for(session, command["user_id"], four_eyes=deps.rule.four_eyes)
                            if mine else listing.waiting(session))
        return reports.pending_list(drafts, deps.clock(), mine=mine)

    async def about_one_draft(args: list[str], usage: str, answer) -> str:  # type: ignore[no-untyped-def]
        draft_id = _draft_id(args)
        if draft_id is None:
            return usage
        async with deps.sessionmaker() as session:
            try:
                draft = await queries.draft(session, draft_id)
            except UnknownDraft:
                return f"There is no draft #{draft_id}."
            return await answer(session, draft)

    async def status(deps: BotDeps, command: dict, args: list[str]) -> str:
        async def answer(session, draft):  # type: ignore[no-untyped-def]
            return reports.status(draft, await queries.publications(session, draft.id),
                                  await approvals_of(session, draft.id, draft.current_revision), deps.clock())
        return await about_one_draft(args, "Usage: `/signoff status <id>`, e.g. `/signoff status 12`.", answer)

    async def history(deps: BotDeps, command: dict, args: list[str]) -> str:
        async def answer(session, draft):  # type: ignore[no-untyped-def]
            return reports.history(draft, await audit.events_for(session, draft.id),
                                   await listing.runs_of(session, draft.id))
        return await about_one_draft(args, "Usage: `/signoff history <id>`.", answer)

    async def cancel(deps: BotDeps, command: dict, args: list[str]) -> str:
        draft_id, user = _draft_id(args), command["user_id"]
        if draft_id is None:
            return "Usage: `/signoff cancel <id>`."
        async with deps.sessionmaker.begin() as session:
            try:
                draft = await queries.draft(session, draft_id)
            except UnknownDraft:
                return f"There is no draft #{draft_id}."
            if not ((await effective(deps, session, command.get("team_id", ""))).may_decide(user)
                    or user == draft.requester_id):
                await record_refusal(session, draft_id=draft_id, user_id=user, action="cancel",
                                     why="not an approver", now=deps.clock())
                return replies.not_an_approver("cancel")
            change = await edits.cancel(session, draft_id=draft_id, user_id=user, now=deps.clock())
        if not change.ok:
            return (f"Draft #{draft_id} is {change.draft.status.replace('_', ' ')}: neither being written nor "
                    "scheduled, so there is nothing to cancel.")
        if change.draft.decision_note == "scheduled publication cancelled":
            return f"Cancelled: draft #{draft_id} will not be published."
        return f"Cancelled: draft #{draft_id} will not be written."

    async def search(deps: BotDeps, command: dict, args: list[str]) -> str:
        if not args:
            return "Usage: `/signoff search <words>`."
        async with deps.sessionmaker() as session:
            return reports.search_results(" ".join(args), await listing.search_drafts(session, " ".join(args)))

    async def configure(deps: BotDeps, command: dict, args: list[str]) -> str:
        team, user = command.get("team_id", "") or "default", command["user_id"]
        async with deps.sessionmaker.begin() as session:
            current = await effective(deps, session, team)
            if not args or args[0] == "show":
                channel_digest = (await schedules.channel_configs(session)).get(command["channel_id"], {})
                return reports.config_text({"approvers": sorted(current.approvers), "admins": sorted(current.admins),
                                            "destinations": current.destinations,
                                            "blocked terms": current.blocked_terms,
                                            "digest (this channel)": channel_digest.get("schedule") or "default",
                                            "required approvals": deps.rule.required,
                                            "four eyes": "on" if deps.rule.four_eyes else "off"})
            if args[0] != "set" or len(args) < 3 or args[1] not in SETTABLE:
                return "Usage: `/signoff config set approvers|destinations|blocked_terms|digest <value>`."
            if not current.may_configure(user):
                await record_refusal(session, draft_id=None, user_id=user, action="config", why="not an admin",
                                     now=deps.clock())
                return "Only admins (SIGNOFF_ADMINS) may change the configuration; this attempt was recorded."
            key, raw = args[1], " ".join(args[2:])
            value, problem = _parse_value(key, raw, deps)
            if problem:
                return problem
            if key == "digest":
                # Digests are scheduled per channel: this channel's schedule changes.
                await schedules.set_channel_config(session, channel_id=command["channel_id"],
                                                   value={"schedule": value}, user_id=user, now=deps.clock())
                return f"Saved: the digest for this channel runs {raw}. The change is in the audit trail."
            await config.set_value(session, scope=team, key=key, value=value, user_id=user, now=deps.clock())
        return f"Saved: {key} = {raw}. The change is in the audit trail."

    HANDLERS = {"help": lambda d, c, a: _const(reports.HELP), "pending": pending, "status": status,
                "history": history, "cancel": cancel, "search": search, "config": configure}


async def _const(text: str) -> str:
    return text


def _parse_value(key: str, raw: str, deps: BotDeps) -> tuple[object, str | None]:
    if key == "approvers":
        users = [a or b for a, b in _USER.findall(raw)]
        return (users, None) if users else (None, "Name approvers as Slack user ids (U012AB…) or mentions.")
    if key == "destinations":
        names = [n.strip() for n in raw.split(",") if n.strip()]
        unknown = [n for n in names if n not in deps.destinations]
        if unknown or not names:
            return None, (f"Choose among the destinations this installation has credentials for: "
                          f"{', '.join(deps.destinations)}.")
        return names, None
    if key == "blocked_terms":
        return [t.strip() for t in raw.split(",") if t.strip()], None
    if key == "digest":
        try:
            parse_schedule(raw)
        except TimeParseError as exc:
            return None, f"Digest schedule: {exc}"
    return raw.strip(), None
