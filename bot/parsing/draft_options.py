"""Split `/draft` text into the topic and its options: `--to x,mastodon` and `--at "tomorrow 09:30"`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.blocks.text import escape_mrkdwn
from bot.parsing.timeparse import TimeParseError, parse_when

_OPTION = re.compile(r"""(?:^|\s)--(to|at)(?:\s+|=)("[^"]*"|'[^']*'|“[^”]*”|\S+)""")


@dataclass(frozen=True)
class DraftRequest:
    topic: str
    destinations: tuple[str, ...] | None = None
    publish_at: datetime | None = None
    problem: str | None = None


def parse_draft_text(text: str, *, allowed: tuple[str, ...], now: datetime, tz: str) -> DraftRequest:
    options: dict[str, str] = {}
    for name, value in _OPTION.findall(text):
        options[name] = value.strip("\"'“”")
    topic = " ".join(_OPTION.sub(" ", text).split())
    destinations = None
    if "to" in options:
        destinations = tuple(n.strip().lower() for n in options["to"].split(",") if n.strip())
        unknown = [n for n in destinations if n not in allowed]
        if unknown or not destinations:
            named = escape_mrkdwn(", ".join(unknown)) or "nothing"
            return DraftRequest(topic, problem=f"`--to` can name {', '.join(allowed)}; {named} is not one of them.")
    publish_at = None
    if "at" in options:
        try:
            publish_at = parse_when(options["at"], now=now, tz=tz)
        except TimeParseError as exc:  # its message quotes what was typed: shown as text, not markup
            return DraftRequest(topic, destinations, problem=f"`--at`: {escape_mrkdwn(str(exc))}")
        if publish_at <= now:
            return DraftRequest(topic, destinations, problem="`--at` must be in the future.")
    return DraftRequest(topic, destinations, publish_at)
