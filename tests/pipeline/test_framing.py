"""Any topic becomes a grammatical opening line: questions stay questions, clauses and sentences
stand on their own, requests to the desk are turned into what they ask for, and only a noun phrase
is ever put into a template's slot."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from destinations.lengths import measure
from pipeline.base import DraftBrief, RunContext
from pipeline.framing import clean, frame
from pipeline.offline_text import HOOKS_FRAMED, opening
from pipeline.runner import run_pipeline

TONES = ("friendly", "professional", "playful")
PUNCTUATION = ".,;:!?"
PREPOSITION_WH = re.compile(
    r"\b(with|of|on|about|at|for|to|into) (why|how|what|when|where|who|which|whether)\b", re.IGNORECASE
)


def problems(topic: str, hook: str) -> list[str]:
    """What would make `hook` a pasting artefact rather than a sentence (empty list: none)."""
    found = []
    cleaned = clean(topic)
    if (
        not hook
        or hook != hook.strip()
        or "  " in hook
        or any(p in hook and p not in topic for p in ("{Topic}", "{topic}", "{Text}"))
    ):
        found.append("blank, padded or unfilled")
    first = next((c for c in hook if c.isalnum()), "")
    # A letter with no one-letter capital ('ß' → 'SS') cannot be capitalised without respelling the topic.
    if first.islower() and len(first.upper()) == 1 and first.upper() != first:
        found.append("starts in lowercase")
    if not hook.endswith((".", "?", "!")):
        found.append("no end punctuation")
    for a, b in itertools.pairwise(hook):
        if a in PUNCTUATION and b in PUNCTUATION and a + b not in cleaned:
            found.append(f"doubled punctuation {a + b!r}")
    for match in PREPOSITION_WH.finditer(hook):
        if match.group(0).lower() not in cleaned.lower():
            found.append(f"a clause pasted into a noun slot: {match.group(0)!r}")
    words = re.findall(r"[^\W_]+", cleaned.casefold())
    if words and not any(w in hook.casefold() for w in words):
        found.append("none of the topic's words")
    return found


@pytest.mark.parametrize(
    ("topic", "kind", "first_line"),
    [
        (
            "Why we moved our CI from GitHub Actions to self-hosted ARM runners",
            "clause",
            "Why we moved our CI from GitHub Actions to self-hosted ARM runners.",
        ),
        ("why does kubernetes cost so much?", "question", "Why does kubernetes cost so much?"),
        ("is Rust worth it", "question", "Is Rust worth it?"),
        ("announce the new pricing page", "gerund", "Announcing the new pricing page."),
        ("Recap of our Berlin meetup", "noun", "Recap of our Berlin meetup: here's what stood out."),
        ("write a post about why we moved to ARM", "clause", "Why we moved to ARM."),
        ("explain why we dropped Jenkins", "clause", "Why we dropped Jenkins."),
        ("we moved CI to ARM runners", "sentence", "We moved CI to ARM runners."),
        ("Upgrade your runners before Friday", "advice", "Upgrade your runners before Friday. Here's why."),
        ("Our Q3 release of Signoff", "noun", "Our Q3 release of Signoff: here's what stood out."),
        ("??!", "empty", "A quick update from the team."),
    ],
)
def test_each_shape_of_topic_opens_with_its_own_grammar(topic: str, kind: str, first_line: str) -> None:
    shape = frame(topic)
    assert shape.kind == kind
    assert opening(shape, "friendly", 0, True) == first_line


def test_a_why_clause_is_never_pasted_into_a_noun_template() -> None:
    shape = frame("Why we moved our CI from GitHub Actions to self-hosted ARM runners")
    hooks = [
        opening(shape, tone, variant, material) for tone in TONES for variant in range(3) for material in (True, False)
    ]
    assert not any("what's new with why" in h.lower() or "look at why" in h.lower() for h in hooks)
    assert all(problems("Why we moved our CI from GitHub Actions to self-hosted ARM runners", h) == [] for h in hooks)


@settings(max_examples=400, deadline=None)
@given(topic=st.text(max_size=120), tone=st.sampled_from(TONES), variant=st.integers(0, 5), material=st.booleans())
@example(topic="what's new with why?!", tone="friendly", variant=2, material=True)
@example(topic="  ...why we moved...  ", tone="playful", variant=0, material=False)
@example(topic="e.g., the plan: v2.0!", tone="professional", variant=1, material=True)
@example(topic="ﬁx the build", tone="friendly", variant=0, material=True)
def test_any_topic_text_gives_a_well_formed_opening(topic: str, tone: str, variant: int, material: bool) -> None:
    hook = opening(frame(topic), tone, variant, material)
    assert problems(topic, hook) == [], hook


@settings(max_examples=60, deadline=None)
@given(
    topic=st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cf")), min_size=1, max_size=80),
    tone=st.sampled_from(TONES),
)
async def test_a_whole_offline_draft_opens_well_for_any_topic(topic: str, tone: str) -> None:
    from pipeline.base import Style

    result = await run_pipeline(
        DraftBrief(topic=topic, style=Style(tone=tone), limits={"x": 280}), RunContext(measure=measure)
    )
    first_line = result.text.split("\n", 1)[0]
    # The opening may carry an emoji; the sentence after it is what is checked.
    assert problems(topic, first_line) == [], result.text


def test_every_framed_template_has_exactly_one_slot() -> None:
    for kind, tones in HOOKS_FRAMED.items():
        for hooks in tones.values():
            for hook in hooks:
                assert hook.count("{Text}") == (0 if kind == "empty" else 1), hook
