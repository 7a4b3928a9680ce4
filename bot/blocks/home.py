"""The App Home, per person: what needs their decision, their requests, what is scheduled in the
next two weeks (with Undo / Unschedule), what was published lately, and for admins the settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.blocks import action_ids
from bot.blocks.draft import button_value, slack_date
from bot.blocks.reports import age, config_text, link
from bot.blocks.text import clip, mention
from storage.models import Draft, Publication
from storage.scheduled_publish import held_for_undo

MAX_HOME_BLOCKS = 100  # Slack's limit for a view
SECTION_LIMIT = 3000
SHOWN_PER_LIST = 12
PART_MARKS = {
    "published": "✓",
    "failed": "✗",
    "unconfirmed": "?",
    "retrying": "↻",
    "claimed": "…",
    "handoff": "✋",
    "skipped": "–",
}


@dataclass(frozen=True)
class HomeView:
    user: str
    now: datetime
    may_decide: bool
    required: int
    needs_decision: list[Draft] = field(default_factory=list)
    approvals: dict[int, tuple[str, ...]] = field(default_factory=dict)
    requests: list[Draft] = field(default_factory=list)
    scheduled: list[Draft] = field(default_factory=list)
    may_call_off: frozenset[int] = frozenset()  # scheduled drafts this person may undo or unschedule
    published: list[tuple[Draft, list[Publication]]] = field(default_factory=list)
    settings: dict[str, object] | None = None  # shown to admins
    channels_unknown: bool = False  # Slack could not say which channels the person is in


def home_view(view: HomeView) -> dict:
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Signoff"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Updated {_stamp(view.now)}"}]},
        {
            "type": "actions",
            "block_id": "home-refresh",
            "elements": [
                {
                    "type": "button",
                    "action_id": action_ids.HOME_REFRESH,
                    "text": {"type": "plain_text", "text": "Refresh"},
                    "value": "refresh",
                }
            ],
        },
    ]
    if view.channels_unknown:
        blocks.append(
            _section("Slack could not say which channels you are in, so no drafts are shown. Try Refresh in a moment.")
        )
    else:
        blocks += _needs_decision(view) + _requests(view) + _scheduled(view) + _published(view)
    if view.settings is not None:
        blocks += [{"type": "divider"}, _section(config_text(view.settings))]
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}


def _needs_decision(view: HomeView) -> list[dict]:
    if not view.may_decide:
        return [_heading("Needs your decision"), _context("You are not an approver here; your requests are below.")]
    if not view.needs_decision:
        return [_heading("Needs your decision"), _context("Nothing is waiting for you. 🎉")]
    lines = []
    for d in view.needs_decision[:SHOWN_PER_LIST]:
        approved = view.approvals.get(d.id, ())
        count = f" · {len(approved)} of {view.required} approvals" if view.required > 1 else ""
        lines.append(
            f"• #{d.id} {link(d)} — revision {d.current_revision}, asked by {mention(d.requester_id)}, "
            f"{age(d.created_at, view.now)} old{count}"
        )
    return [
        _heading(f"Needs your decision ({len(view.needs_decision)})"),
        _section("\n".join(lines) + _more(view.needs_decision, "`/signoff pending mine`")),
    ]


def _requests(view: HomeView) -> list[dict]:
    if not view.requests:
        return [_heading("Your requests"), _context("You have not asked for a draft yet: type `/draft <topic>`.")]
    lines = [
        f"• #{d.id} {link(d)} — {d.status.replace('_', ' ')}, {age(d.created_at, view.now)} ago"
        for d in view.requests[:SHOWN_PER_LIST]
    ]
    return [_heading("Your requests"), _section("\n".join(lines))]


def _scheduled(view: HomeView) -> list[dict]:
    if not view.scheduled:
        return [_heading("Scheduled — next 14 days"), _context("Nothing is scheduled.")]
    blocks = [_heading("Scheduled — next 14 days")]
    for d in view.scheduled[:SHOWN_PER_LIST]:
        section = _section(f"*{_stamp(d.publish_at)}* · #{d.id} {link(d)} → {', '.join(d.destinations)}")
        if d.id in view.may_call_off and d.approved_revision is not None and d.approved_sha256:
            label = "Undo" if held_for_undo(d.publish_at, d.decided_at) else "Unschedule"
            section["accessory"] = {
                "type": "button",
                "action_id": action_ids.CALL_OFF,
                "text": {"type": "plain_text", "text": label},
                "value": button_value(d.id, d.approved_revision, d.approved_sha256),
            }
        blocks.append(section)
    return blocks


def _published(view: HomeView) -> list[dict]:
    if not view.published:
        return [_heading("Recently published"), _context("Nothing was published in the last 7 days.")]
    lines = []
    for d, parts in view.published[:SHOWN_PER_LIST]:
        lines.append(f"• #{d.id} {link(d)} — " + (", ".join(_part(p) for p in parts) or d.status.replace("_", " ")))
    return [_heading("Recently published"), _section("\n".join(lines))]


def _part(publication: Publication) -> str:
    mark = PART_MARKS.get(publication.status, publication.status)
    name = publication.destination + (f" {publication.part + 1}" if publication.part else "")
    return f"<{publication.url}|{name} {mark}>" if publication.url else f"{name} {mark}"


def _more(items: list[Draft], where: str) -> str:
    hidden = len(items) - SHOWN_PER_LIST
    return f"\n_…and {hidden} more: {where}_" if hidden > 0 else ""


def _stamp(moment: datetime | None) -> str:
    return slack_date(moment) if moment is not None else "—"


def _heading(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, 150)}}


def _section(mrkdwn: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(mrkdwn, SECTION_LIMIT)}}


def _context(mrkdwn: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(mrkdwn, SECTION_LIMIT)}]}
