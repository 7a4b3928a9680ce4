"""`/signoff restore <id> <revision>`: go back to an earlier revision's text. It becomes a new
revision (the history keeps everything), held to the same rules as an edit — policy checked again,
its claims checked against that revision's sources — with a `restored` audit event. Approvers and
the requester may; recorded before the answer, then the thread shows the change as a word diff."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.blocks import replies
from bot.blocks.diff import change_summary, word_diff
from bot.listeners.deps import BotDeps
from bot.listeners.effective import effective
from bot.parsing.draft_ids import parse_draft_id
from bot.slack.notify import say_mrkdwn_in_thread, show_draft
from storage import edits, queries
from storage.decisions import record_refusal
from storage.errors import UnknownDraft
from storage.transitions import Outcome

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.listeners.signoff_command import Asked

USAGE = "Usage: `/signoff restore <id> <revision>`, e.g. `/signoff restore 12 1`."


async def restore(asked: Asked, args: list[str]) -> str:
    deps, user = asked.deps, asked.user
    draft_id = parse_draft_id(args[0]) if len(args) == 2 else None
    number = parse_draft_id(args[1]) if len(args) == 2 else None
    if draft_id is None or number is None:
        return USAGE
    channels = await asked.visible()
    async with deps.sessionmaker.begin() as session:
        try:
            draft = await queries.draft(session, draft_id)
        except UnknownDraft:
            return replies.no_such_draft(draft_id)
        if not asked.shows(draft, channels):
            return replies.no_such_draft(draft_id)
        config = await effective(deps, session, asked.installation)
        if not (config.may_decide(user) or user == draft.requester_id):
            await record_refusal(
                session, draft_id=draft_id, user_id=user, action="restore", why="not an approver", now=deps.clock()
            )
            return replies.not_an_approver("restore")
        earlier = await queries.revision(session, draft_id, number)
        if earlier is None or number >= draft.current_revision:
            return (
                f"Draft #{draft_id} has no earlier revision {number}: it is at revision "
                f"{draft.current_revision}. `/signoff history {draft_id}` lists them."
            )
        blocked = list(config.blocked_terms)
        verdict = deps.text_rules.check_edit(earlier.text, earlier.details, blocked)
        change = await edits.record_edit(
            session,
            draft_id=draft_id,
            base_revision=draft.current_revision,
            text=earlier.text,
            user_id=user,
            policy_ok=verdict.ok,
            problems=verdict.problems,
            now=deps.clock(),
            restored_from=number,
            critique=deps.text_rules.review_edit(earlier.text, earlier.details, draft.topic, blocked),
        )
    if not change.ok or change.revision is None:
        return (
            replies.cannot_change(change.draft, draft.current_revision, "restore")
            if change.draft
            else replies.no_such_draft(draft_id)
        )
    deps.background.spawn(_show_restored(deps, asked.client, change, user, number), "restore")
    problems = "" if verdict.ok else " It fails a policy check now: " + " ".join(verdict.problems)
    return f"Restored: revision {number} of draft #{draft_id} is now revision {change.revision.number}.{problems}"


async def _show_restored(deps: BotDeps, client: AsyncWebClient, change: Outcome, user: str, number: int) -> None:
    assert change.draft is not None and change.revision is not None
    await show_draft(client, deps.sessionmaker, change.draft.id, required=deps.rule.required)
    before, after = change.previous_text or "", change.revision.text
    await say_mrkdwn_in_thread(
        client,
        deps.sessionmaker,
        change.draft.id,
        f"↩️ <@{user}> restored revision {number} of draft #{change.draft.id} as revision "
        f"{change.revision.number} ({change_summary(before, after)}):\n" + word_diff(before, after),
    )
