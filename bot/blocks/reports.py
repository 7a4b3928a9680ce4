"""Pure text builders for `/signoff` answers: pending lists, status, history, search, config."""

from __future__ import annotations

from datetime import datetime

from bot.blocks.text import clip, escape_mrkdwn, mention
from storage.models import AuditEvent, Draft, Publication, Run

HELP = """*Signoff commands* (answers are visible only to you)
• `/draft <topic>` — ask for a new draft in this channel
• `/signoff pending [mine]` — drafts waiting for a decision (for anyone, or for you)
• `/signoff status <id>` — where one draft stands
• `/signoff history <id>` — its audit trail and run timings
• `/signoff cancel <id>` — stop a request that is still being written
• `/signoff restore <id> <revision>` — bring back an earlier revision's text as a new revision
• `/signoff search <words>` — find drafts and published posts
• `/signoff config` — show settings; admins: `/signoff config set approvers|destinations|blocked_terms|digest <value>`"""


def age(since: datetime, now: datetime) -> str:
    minutes = int((now - since).total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 0)} min"
    return f"{minutes // 60} h" if minutes < 48 * 60 else f"{minutes // 1440} d"


def link(draft: Draft) -> str:
    label = escape_mrkdwn(clip(" ".join(draft.topic.split()), 80)).replace("|", "¦")
    return f"<{draft.permalink}|{label}>" if draft.permalink else label


def pending_list(drafts: list[Draft], now: datetime, *, mine: bool) -> str:
    if not drafts:
        return "Nothing is waiting for you. 🎉" if mine else "No drafts are waiting for a decision."
    head = f"*{len(drafts)} draft{'s' if len(drafts) != 1 else ''} waiting" + (" for you*" if mine else "*")
    lines = [
        f"• #{d.id} {link(d)} — {d.status.replace('_', ' ')}, {age(d.created_at, now)} old, "
        f"asked by {mention(d.requester_id)}"
        for d in drafts[:25]
    ]
    if len(drafts) > 25:
        lines.append(f"…and {len(drafts) - 25} more")
    return head + "\n" + "\n".join(lines)


def status(draft: Draft, publications: list[Publication], approvals: tuple[str, ...], now: datetime) -> str:
    lines = [
        f"*Draft #{draft.id}* {link(draft)}",
        f"Status: *{draft.status.replace('_', ' ')}* · revision {draft.current_revision} · "
        f"asked by {mention(draft.requester_id)} {age(draft.created_at, now)} ago",
        f"Destinations: {escape_mrkdwn(', '.join(draft.destinations or []))}",
    ]
    if approvals:
        lines.append("Approved by " + ", ".join(mention(a) for a in approvals))
    if draft.decided_by:
        lines.append(f"Decided by {mention(draft.decided_by)}")
    for p in publications:
        where = f" {p.url}" if p.url else ""
        lines.append(f"• {escape_mrkdwn(p.destination)} part {p.part + 1}: {p.status}{escape_mrkdwn(where)}")
    if draft.last_error:
        lines.append(f"Last error: {escape_mrkdwn(clip(draft.last_error, 300))}")
    return "\n".join(lines)


def _event_line(event: AuditEvent) -> str:
    d = event.detail or {}
    bits = [
        f"`{event.created_at:%Y-%m-%d %H:%M}` {event.kind.replace('_', ' ')}",
        f"by {mention(event.actor) if event.actor != 'signoff' else 'Signoff'}",
    ]
    for key in ("revision", "restored_from", "destination", "reason", "feedback", "comment", "error", "why"):
        if d.get(key) not in (None, ""):
            bits.append(f"{key}: {escape_mrkdwn(clip(str(d[key]), 120))}")
    if d.get("score") is not None:
        bits.append(score_text(d["score"], d.get("score_parts") or {}))
    for key, label in (("unsupported", "not in any source"), ("claims", "vouched for")):
        if d.get(key):
            bits.append(f"{label}: " + ", ".join(f"‘{escape_mrkdwn(clip(str(c), 60))}’" for c in d[key][:5]))
    return " · ".join(bits)


def score_text(score: float, parts: dict) -> str:
    """ "score 4.0/10 (relevance 3.3, support 10, length 10, tone 9)": the score and why."""
    shown = ", ".join(
        f"{escape_mrkdwn(str(name))} {value:g}" for name, value in parts.items() if isinstance(value, (int, float))
    )
    return f"score {float(score):.1f}/10" + (f" ({shown})" if shown else "")


def _stage(stage: dict) -> str:
    text = f"{stage['name']} {stage['duration_ms']:.0f} ms"
    extras = [stage["model"]] if stage.get("model") else []
    if stage.get("tokens_in") is not None or stage.get("tokens_out") is not None:
        extras.append(f"{stage.get('tokens_in') or 0}→{stage.get('tokens_out') or 0} tokens")
    extras += [f"⚠️ {w}" for w in (stage.get("warnings") or [])[:2]]
    return text + (f" ({', '.join(extras)})" if extras else "")


def _run_line(run: Run) -> str:
    stages = " · ".join(_stage(s) for s in (run.stages or []))
    feedback = f" — feedback: {clip(run.feedback, 80)}" if run.feedback else ""
    return f"run {run.number} {run.status}: {escape_mrkdwn(stages or (run.error or '—'))}{escape_mrkdwn(feedback)}"


def history(draft: Draft, events: list[AuditEvent], runs: list[Run]) -> str:
    lines = [f"*History of draft #{draft.id}* {link(draft)}"]
    shown = events[-30:]
    if len(events) > len(shown):
        lines.append(f"_…{len(events) - len(shown)} earlier events not shown_")
    lines += [_event_line(e) for e in shown]
    if (draft.current_revision or 0) > 1 and draft.status in ("pending", "needs_attention"):
        lines.append(f"_Go back with `/signoff restore {draft.id} <revision>`._")
    if runs:
        lines.append("*Runs*")
        lines += [_run_line(r) for r in runs]
    return clip("\n".join(lines), 2900)


def search_results(words: str, hits: list[tuple[Draft, str]]) -> str:
    if not hits:
        return f"Nothing matches “{escape_mrkdwn(clip(words, 100))}”."
    lines = [f"*Results for “{escape_mrkdwn(clip(words, 100))}”*"]
    lines += [
        f"• #{d.id} {link(d)} ({d.status.replace('_', ' ')}) — {escape_mrkdwn(clip(snippet, 200))}"
        for d, snippet in hits
    ]
    return "\n".join(lines)


def config_text(values: dict[str, object]) -> str:
    lines = ["*Configuration*"]
    for key, value in values.items():
        shown = ", ".join(str(v) for v in value) if isinstance(value, (list, tuple, frozenset)) else value
        lines.append(f"• {key}: {escape_mrkdwn(str(shown or '—'))}")
    return "\n".join(lines)
