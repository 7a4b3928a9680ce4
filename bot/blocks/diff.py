"""A compact word diff for the thread when a new revision replaces an older one."""

from __future__ import annotations

import difflib
import re

from bot.blocks.text import clip, escape_mrkdwn

_TOKENS = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str, *, limit: int = 2500) -> str:
    """Removed words as ~strike~, added words as *bold*; unchanged stretches shortened to "…"."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    if matcher.ratio() < 0.4:
        # Mostly rewritten: interleaved word changes would be noise, so show before and after.
        half = limit // 2 - 10
        return f"~{escape_mrkdwn(clip(old.strip(), half))}~\n*{escape_mrkdwn(clip(new.strip(), half))}*"
    out: list[str] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            same = "".join(a[i1:i2])
            out.append(escape_mrkdwn(same if len(same) <= 60 else same[:25] + " … " + same[-25:]))
            continue
        removed, added = "".join(a[i1:i2]).strip(), "".join(b[j1:j2]).strip()
        if removed:
            out.append(f"~{escape_mrkdwn(removed)}~")
        if added:
            out.append((" " if removed else "") + f"*{escape_mrkdwn(added)}*")
    return clip("".join(out).strip() or "(no visible change)", limit)


def change_summary(old: str, new: str) -> str:
    a, b = old.split(), new.split()
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    removed = sum(i2 - i1 for op, i1, i2, _, _ in matcher.get_opcodes() if op in ("delete", "replace"))
    added = sum(j2 - j1 for op, _, _, j1, j2 in matcher.get_opcodes() if op in ("insert", "replace"))
    return f"+{added} / −{removed} words, {len(old)} → {len(new)} characters"
