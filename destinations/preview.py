"""What a post will look like at each destination before anyone approves it:
"X: thread of 3 · 271/280 · 254/280 · 98/280", "Dev.to: title + 4 tags", plus preflight problems."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from destinations.base import Destination, LengthUnit, Post
from destinations.devto import sanitize_tags, title_and_body
from destinations.lengths import measure_for


def is_handoff(destination: Any) -> bool:
    return bool(getattr(destination, "handoff", False) or destination.capabilities.handoff)


def shape(destination: Destination, post: Post) -> str:
    caps = destination.capabilities
    if caps.markdown and caps.max_length is None:  # an article: its title and tags are what can go wrong
        tags = len(sanitize_tags(post.tags))
        return ("title" if title_and_body(post)[0] else "no title") + f" + {tags} tag{'' if tags == 1 else 's'}"
    if caps.max_length is None:
        return f"{len(post.text)} characters"
    parts, measure = destination.format(post), measure_for(caps.length_unit)
    sizes = " · ".join(f"{measure(p.text)}/{caps.max_length}" for p in parts)
    text = (f"thread of {len(parts)} · " if len(parts) > 1 else "") + sizes
    text += " graphemes" if caps.length_unit is LengthUnit.graphemes else ""
    return ("hand-off · " if is_handoff(destination) else "") + text


def preview_lines(
    destinations: Mapping[str, Destination], names: list[str], post: Post, label: Callable[[str], str] = str
) -> list[str]:
    """One line per destination and one per preflight problem; never raises."""
    lines: list[str] = []
    for name in names:
        destination, title = destinations.get(name), label(name)
        if destination is None:
            lines.append(f"{title}: not configured on this worker")
            continue
        try:
            lines.append(f"{title}: {shape(destination, post)}")
            lines += [f"⚠️ {title}: {problem}" for problem in destination.preflight(post)]
        except Exception as exc:  # a preview must never keep a draft from being shown
            lines.append(f"{title}: no preview ({exc.__class__.__name__})")
    return lines
