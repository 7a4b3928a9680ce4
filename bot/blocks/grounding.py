"""Block Kit for what a draft's facts rest on: numbered references, each claim with the sources it
was found in (ours and, with a model, the model's), the claims no source supports, and the score's
parts. Pure functions from stored values; `blocks.draft_message` places them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.blocks.text import clip, escape_mrkdwn, mention

NOTHING_MATCHED = "No notes or sources matched this topic — add a link or notes and Regenerate."
_TEXT_LIMIT = 3000


@dataclass(frozen=True)
class ClaimView:
    text: str
    kind: str
    supported: bool
    sources: tuple[int, ...] = ()
    in_topic: bool = False
    in_feedback: bool = False
    found: bool | None = None  # our check; None when only the model named it
    model_found: bool | None = None
    model_sources: tuple[int, ...] = ()


def claim_views(critique: dict) -> tuple[ClaimView, ...]:
    """Claims as the pipeline stored them in a revision's details (unknown keys ignored)."""
    views = []
    for c in critique.get("claims") or []:
        if not isinstance(c, dict) or not c.get("text"):
            continue
        views.append(
            ClaimView(
                text=str(c["text"]),
                kind=str(c.get("kind") or "claim"),
                supported=c.get("supported") is not False,
                sources=tuple(int(n) for n in c.get("sources") or []),
                in_topic=bool(c.get("in_topic")),
                in_feedback=bool(c.get("in_feedback")),
                found=c.get("found"),
                model_found=c.get("model_found"),
                model_sources=tuple(int(n) for n in c.get("model_sources") or []),
            )
        )
    return tuple(views)


def _quoted(text: str) -> str:
    return "‘" + escape_mrkdwn(clip(" ".join(text.split()), 80)) + "’"


def _numbers(numbers: tuple[int, ...]) -> str:
    return "".join(f"[{n}]" for n in numbers)


def _where(claim: ClaimView) -> str:
    """Where our check found the claim, and what the model said when it checked."""
    ours = [_numbers(claim.sources)] if claim.sources else []
    ours += ["topic"] if claim.in_topic else []
    said = " ".join(ours) if claim.found else ("not found" if claim.found is False else "")
    if claim.in_feedback and not claim.found:
        said = "only in the feedback"
    if claim.model_found is True:
        model = "model: " + (_numbers(claim.model_sources) or "supported")
    elif claim.model_found is False:
        model = "model: not found"
    else:
        model = ""
    return " · ".join(x for x in (said, model) if x)


def references_line(sources: tuple[tuple[str, str | None], ...]) -> str:
    shown = [f"[{n}] {_source_link(title, url)}" for n, (title, url) in enumerate(sources[:10], 1)]
    more = f" · …and {len(sources) - 10} more" if len(sources) > 10 else ""
    return "*References* " + " · ".join(shown) + more


def _source_link(title: str, url: str | None) -> str:
    label = escape_mrkdwn(clip(" ".join(title.split()) or "source", 60)).replace("|", "¦")
    safe = url and url.startswith(("http://", "https://")) and not any(c in url for c in "<>| ")
    return f"<{url}|{label}>" if safe else label


def claims_line(claims: tuple[ClaimView, ...]) -> str | None:
    supported = [c for c in claims if c.supported]
    if not supported:
        return None
    return clip(
        "*Claims* "
        + " · ".join(f"{_quoted(c.text)} {_where(c)}" for c in supported[:15])
        + (f" · …{len(supported) - 15} more" if len(supported) > 15 else ""),
        _TEXT_LIMIT,
    )


def unsupported_text(claims: tuple[ClaimView, ...], accepted_by: str | None) -> str | None:
    missing = [c for c in claims if not c.supported]
    if not missing:
        return None
    listed = "\n".join(
        f"• not in any source: {_quoted(c.text)}" + (f" ({_where(c)})" if _where(c) else "") for c in missing[:10]
    )
    if len(missing) > 10:
        listed += f"\n• …and {len(missing) - 10} more"
    if accepted_by:
        tail = f"Accepted by {mention(accepted_by)}: they vouch for these."
    else:
        tail = "Approval waits until they are edited out or an approver accepts them."
    return clip(f"*⚠️ Claims no source supports*\n{listed}\n{tail}", _TEXT_LIMIT)


def score_line(score: float, parts: tuple[tuple[str, float], ...], reasons: tuple[str, ...]) -> str:
    shown = f"*Score* {score:.1f}/10"
    if parts:
        shown += " (" + " · ".join(f"{escape_mrkdwn(name)} {value:g}" for name, value in parts) + ")"
    if reasons:
        shown += " — " + "; ".join(escape_mrkdwn(r) for r in reasons[:3])
    return shown


def accept_confirm(claims: tuple[ClaimView, ...]) -> dict:
    missing = ", ".join(f"‘{clip(c.text, 60)}’" for c in claims if not c.supported)
    return {
        "title": {"type": "plain_text", "text": "Accept unsupported claims?"},
        "text": {
            "type": "plain_text",
            "text": clip(f"No source supports {missing}. Accepting records that you vouch for them.", 300),
        },
        "confirm": {"type": "plain_text", "text": "Accept"},
        "deny": {"type": "plain_text", "text": "Not yet"},
    }
