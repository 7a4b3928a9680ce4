"""How a revision's images are judged: each destination's alt-text rule and the problems that do
not depend on alt text, as the worker worked them out with the destinations (which storage and the
bot cannot see), stored with the revision so a later change is judged by the same rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


class Described(Protocol):
    @property
    def alt(self) -> str: ...


@dataclass(frozen=True)
class AltRule:
    """One destination's alt-text rule, as its media limits say."""

    alt_required: bool = False
    max_alt: int | None = None


@dataclass(frozen=True)
class MediaCheck:
    """What the caller knows about the destinations: alt rules by destination label, and problems
    that do not depend on alt text (count, type, size), one sentence each."""

    rules: dict[str, AltRule] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    # How the images will go where that is worth knowing ("Bluesky: image 1 will be resized …").
    notes: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "rules": {name: {"alt_required": r.alt_required, "max_alt": r.max_alt} for name, r in self.rules.items()},
            "problems": list(self.problems),
            "notes": list(self.notes),
        }

    @classmethod
    def from_json(cls, data: object) -> MediaCheck:
        if not isinstance(data, dict):
            return cls()
        rules = {
            str(k): AltRule(bool(v.get("alt_required")), v.get("max_alt"))
            for k, v in (data.get("rules") or {}).items()
            if isinstance(v, dict)
        }
        return cls(
            rules, tuple(str(p) for p in data.get("problems") or ()), tuple(str(n) for n in data.get("notes") or ())
        )


def alt_problems(check: MediaCheck, media: Sequence[Described]) -> list[str]:
    problems = []
    for number, item in enumerate(media, start=1):
        alt = item.alt.strip()
        for name, rule in check.rules.items():
            if rule.alt_required and not alt:
                problems.append(f"image {number} needs alt text for {name}")
            elif rule.max_alt is not None and len(alt) > rule.max_alt:
                problems.append(
                    f"image {number}'s alt text is {len(alt)} characters; {name} takes at most {rule.max_alt}"
                )
    return problems


def judged(
    details: dict[str, Any], media: Sequence[Described], check: object, *, policy_ok: bool, problems: list[str]
) -> tuple[bool, list[str]]:
    """A new text revision that keeps images (an edit, a rewrite): its policy verdict with the images'
    problems added, by the rules stored with them (`check`, the earlier revision's `details["media"]`).
    Writes both into `details`."""
    if not media:
        return policy_ok, problems
    rules = MediaCheck.from_json(check)
    media_problems = list(rules.problems) + alt_problems(rules, media)
    details["media"] = {**rules.as_json(), "all_problems": media_problems}
    problems = problems + media_problems
    policy_ok = policy_ok and not media_problems
    details["policy"] = {**(details.get("policy") or {}), "ok": policy_ok, "problems": problems}
    return policy_ok, problems
