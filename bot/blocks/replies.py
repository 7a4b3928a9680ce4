"""Short texts the bot says to one person. Kept together so they read as one voice."""

from __future__ import annotations

from datetime import datetime

from bot.blocks.publications import label as destination_label
from bot.blocks.text import escape_mrkdwn, mention
from storage.models import Draft, Publication
from storage.transitions import Refusal

USAGE = "Usage: `/draft <topic>` — for example `/draft what we shipped this week`."


def empty_topic() -> str:
    return f"Tell me what to write about. {USAGE}"


def topic_too_long(length: int, limit: int) -> str:
    return (
        f"That topic is {length} characters; the limit is {limit}. "
        "Shorten it (put the long material in a linked doc) and try again."
    )


def too_many_drafts(limit: int) -> str:
    return (
        f"You have asked for {limit} drafts in the last hour, which is the limit here. "
        "Try again a little later, or ask an admin to raise SIGNOFF_DRAFTS_PER_HOUR."
    )


def hidden_characters(codes: list[str]) -> str:
    return (
        "Your topic contains invisible or direction-changing characters ("
        + ", ".join(codes[:5])
        + "), which can hide what a text really says. Please retype it without them."
    )


def accepted(draft_id: int, topic: str, publish_at: datetime | None = None, destinations: tuple[str, ...] = ()) -> str:
    text = f"Got it: drafting #{draft_id} about “{escape_mrkdwn(topic[:200])}”. It will appear in this channel."
    if destinations:
        text += f" Destinations: {escape_mrkdwn(', '.join(destinations))}."
    if publish_at is not None:
        stamp = int((publish_at - datetime(1970, 1, 1)).total_seconds())
        text += (
            f" Once approved it will be published <!date^{stamp}^{{date_short_pretty}} at {{time}}|"
            f"at {publish_at:%Y-%m-%d %H:%M} UTC>."
        )
    return text


def not_saved(ref: str) -> str:
    return f"Sorry, I could not record that request (reference `{ref}`). Nothing was queued; please try again."


def not_an_approver(action: str) -> str:
    return (
        f"You are not allowed to {action} drafts here. Ask an admin to add you to SIGNOFF_APPROVERS; "
        "this attempt was recorded."
    )


def no_approvers_configured() -> str:
    return "No approvers are configured, so nobody can decide yet. Set SIGNOFF_APPROVERS (Slack user ids)."


def refused(reason: Refusal, draft: Draft) -> str:
    if reason in (Refusal.already_decided, Refusal.lost_race) and draft.decided_by:
        verb = {
            "approved": "approved",
            "publishing": "approved",
            "published": "approved",
            "partially_published": "approved",
            "skipped": "skipped",
        }.get(draft.status, draft.status)
        return f"Draft #{draft.id} was already {verb} by {mention(draft.decided_by)}."
    if reason in (Refusal.stale_revision, Refusal.hash_mismatch, Refusal.lost_race):
        return (
            f"Draft #{draft.id} changed after this message was shown: revision {draft.current_revision} "
            "is the current one. Look at the latest version in the thread before deciding."
        )
    if reason is Refusal.own_draft:
        return (
            f"You requested draft #{draft.id}, so another approver has to approve it or vouch for its "
            "claims (four-eyes rule). Ask a colleague to take a look."
        )
    if reason is Refusal.already_approved_by_you:
        return f"You already approved draft #{draft.id}; it is waiting for another approver."
    if reason is Refusal.needs_attention:
        return f"Draft #{draft.id} fails a policy check; edit it before approving."
    if reason is Refusal.not_ready:
        return f"Draft #{draft.id} is still being written; wait for it to appear."
    if reason is Refusal.unsupported_claims:
        return (
            f"Draft #{draft.id} has claims that no source supports (listed under the draft). Edit them out, "
            "or an approver clicks “Accept unsupported claims” to vouch for them; then approve."
        )
    if reason is Refusal.publishing_started:
        return f"Too late to call draft #{draft.id} back: publishing has started (its status shows in the thread)."
    if reason is Refusal.nothing_to_accept:
        return f"Every claim in draft #{draft.id} is in its sources; there is nothing to accept."
    if reason is Refusal.claims_already_accepted:
        return f"The unsupported claims of draft #{draft.id} were already accepted."
    return f"Draft #{draft.id} is {draft.status.replace('_', ' ')}; nothing to decide."


def called_off(draft_id: int, user_id: str, undone: bool) -> str:
    what = "undid the approval of" if undone else "unscheduled"
    return (
        f"↩️ {mention(user_id)} {what} draft #{draft_id}: nothing was sent. It is pending again, "
        "to be approved or skipped anew."
    )


def claims_accepted(draft_id: int) -> str:
    return (
        f"You vouched for the unsupported claims of draft #{draft_id}; this is in its audit trail. "
        "It can be approved now."
    )


def approval_counted(have: int, need: int) -> str:
    return f"Your approval is recorded: {have} of {need} approvals. It will be published when enough approvers agree."


def cannot_change(draft: Draft, revision: int, action: str) -> str:
    if draft.status == "generating":
        return f"Draft #{draft.id} is being written right now; wait for the new revision."
    if draft.status in ("pending", "needs_attention") and draft.current_revision != revision:
        return (
            f"This message shows revision {revision}, but draft #{draft.id} is at revision "
            f"{draft.current_revision} now. Use the latest message in the thread."
        )
    return f"Draft #{draft.id} is {draft.status.replace('_', ' ')}, so it cannot be {action}d any more."


def feedback_ignored() -> str:
    return (
        "Thanks! Only approvers and the person who asked for this draft can ask me to rewrite it, "
        "so I left the draft as it is."
    )


def unchanged() -> str:
    return "Nothing changed, so no new revision was made."


def not_our_value() -> str:
    return (
        "I can't read this button or dialog: it was not made by this Signoff, or its draft is gone. "
        "Use the buttons on the latest draft message in the thread."
    )


def unknown_command(command: str) -> str:
    return f"I don't know the command `{escape_mrkdwn(command)}`. {USAGE}"


def internal_error(ref: str) -> str:
    return f"Something went wrong on my side (reference `{ref}`). Nothing you approved was lost; try again."


def no_such_draft(draft_id: int) -> str:
    return f"There is no draft #{draft_id}."


def visibility_unknown() -> str:
    return (
        "I could not check with Slack which channels you are in, so I am not showing drafts right now. "
        "Try again in a minute."
    )


def publication_refused(action: str, reason: Refusal | None, publication: Publication | None) -> str:
    """A Retry, Mark or Skip on a publication part that someone decided first, or that is gone."""
    if publication is None or reason is Refusal.no_such_publication:
        return f"Could not {action} that publication: that publication does not exist."
    what = f"{destination_label(publication.destination)}{f' part {publication.part + 1}' if publication.part else ''}"
    return f"Could not {action} {what}: it is {publication.status.replace('_', ' ')} now."
