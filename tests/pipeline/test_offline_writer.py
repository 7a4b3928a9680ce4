"""The offline writer produces a real-looking post within every destination's limit."""

from __future__ import annotations

from typing import Any

import pytest
from twitter_text import parse_tweet

from destinations.lengths import grapheme_count, measure
from pipeline.base import DestinationCapabilities, DraftBrief, LengthUnit, PipelineState, RunContext, Source, Style
from pipeline.length import counter, trim_to
from pipeline.runner import run_pipeline

X = DestinationCapabilities(max_length=280, length_unit=LengthUnit.x_weighted, threads=False)
X_THREADS = DestinationCapabilities(max_length=280, length_unit=LengthUnit.x_weighted, threads=True)
BLUESKY = DestinationCapabilities(max_length=300, length_unit=LengthUnit.graphemes)
MASTODON = DestinationCapabilities(max_length=500)
TOPICS = [
    "Our Q3 release of Signoff",
    "why does kubernetes cost so much?",
    "日本語のテキストとクラウドの未来について考える",
    "🚀🚀🚀 launch day 🎉🎉 for the new 👩‍💻 onboarding flow 🇫🇷",
    "Remote work tips https://example.com/a-very-long-path/that/goes/on/and/on?with=query&and=more",
    "a",
    (
        "What we learned migrating 40 services from a monolith to event-driven architecture over eighteen "
        "months, including the parts that went badly and what we would do differently next time around"
    ),
]
SOURCES = [
    Source(
        title="Tokio 1.40",
        url="https://tokio.rs/blog/1-40",
        kind="feed",
        excerpt="Tokio 1.40 ships a faster scheduler for async Rust. 日本語の説明もあります。 "
        "Task dumps help find deadlocks in production 🐛. "
        "Cooperative budgeting is now on by default.",
    )
]


def brief(topic: str, **extra: Any) -> DraftBrief:
    return DraftBrief(
        topic=topic,
        destinations=["x", "bluesky", "mastodon"],
        capabilities={"x": X, "bluesky": BLUESKY, "mastodon": MASTODON},
        **extra,
    )


@pytest.mark.parametrize("emoji", [False, True])
@pytest.mark.parametrize("topic", TOPICS)
async def test_every_topic_fits_x_bluesky_and_mastodon(topic: str, emoji: bool) -> None:
    result = await run_pipeline(
        brief(topic, style=Style(emoji=emoji, tone="playful" if emoji else "friendly")), RunContext(measure=measure)
    )
    assert result.text.strip()
    assert parse_tweet(result.text).weightedLength <= 280
    assert grapheme_count(result.text) <= 300 and len(result.text) <= 500
    assert result.policy.ok, result.policy.problems


async def test_a_post_with_no_sources_reads_like_a_post() -> None:
    result = await run_pipeline(
        DraftBrief(topic="Our new onboarding checklist", limits={"x": 280}), RunContext(measure=measure)
    )
    hook, *rest = result.text.split("\n\n")
    assert hook.endswith((".", "?", "!")) and "onboarding checklist" in hook.lower()
    assert len(rest) >= 2, "a body and a closing line or hashtags, not just the topic"
    assert "#Onboarding" in result.text
    assert result.critique is not None and 0 <= result.critique.score <= 10


async def test_a_tiny_style_limit_still_gives_a_sentence_within_it() -> None:
    result = await run_pipeline(
        DraftBrief(topic="Quarterly security review results", style=Style(max_length=60)), RunContext(measure=measure)
    )
    assert 0 < len(result.text) <= 60


async def test_regenerate_feedback_changes_the_draft_and_is_obeyed() -> None:
    first = await run_pipeline(brief("Async Rust news"), RunContext(measure=measure))
    again = await run_pipeline(
        brief("Async Rust news", feedback="Shorter please, and no hashtags.", previous_text=first.text),
        RunContext(measure=measure),
    )
    assert again.text != first.text
    assert "#" not in again.text
    assert len(again.text) <= len(first.text)


async def test_regenerating_without_feedback_never_repeats_the_previous_text() -> None:
    first = await run_pipeline(brief("Team offsite recap"), RunContext(measure=measure))
    again = await run_pipeline(brief("Team offsite recap", previous_text=first.text), RunContext(measure=measure))
    assert again.text != first.text


async def test_tone_emoji_and_hashtag_style_reach_the_writer() -> None:
    formal = await run_pipeline(
        brief("Data retention policy", style=Style(tone="professional", hashtags=False)), RunContext(measure=measure)
    )
    assert "#" not in formal.text and "!" not in formal.text
    playful = await run_pipeline(
        brief("Data retention policy", style=Style(tone="playful", emoji=True)), RunContext(measure=measure)
    )
    assert any(ord(c) > 0x2600 for c in playful.text.split("\n")[0])


async def test_curated_sentences_and_the_source_link_make_it_into_the_post() -> None:
    from pipeline.stages.plan import plan
    from pipeline.stages.policy import policy
    from pipeline.stages.write_offline import write_offline

    result = await run_pipeline(
        brief("async rust scheduler"), RunContext(measure=measure), [_with_material, plan, write_offline, policy]
    )
    assert "faster scheduler" in result.text
    assert "https://tokio.rs/blog/1-40" in result.text
    assert result.policy.ok, result.policy.problems


async def _with_material(ctx: RunContext, state: PipelineState) -> PipelineState:
    state.material = list(SOURCES)
    return state


async def test_a_thread_destination_gets_parts_that_each_fit() -> None:
    from pipeline.shape import split_parts
    from pipeline.stages.plan import plan
    from pipeline.stages.write_offline import write_offline

    many = [s.model_copy(update={"excerpt": s.excerpt * 3}) for s in SOURCES]

    async def material(ctx: RunContext, state: PipelineState) -> PipelineState:
        state.material = many
        return state

    result = await run_pipeline(
        DraftBrief(
            topic="async rust scheduler", destinations=["x"], capabilities={"x": X_THREADS}, style=Style(hashtags=True)
        ),
        RunContext(measure=measure),
        [material, plan, write_offline],
    )
    assert result.plans["x"].form == "thread"
    parts = split_parts(result.text, 280, counter(measure, LengthUnit.x_weighted))
    assert 1 <= len(parts) <= result.plans["x"].parts
    assert all(parse_tweet(p).weightedLength <= 280 for p in parts)


@pytest.mark.parametrize("unit", list(LengthUnit))
def test_trimming_fits_each_counting_scheme(unit: LengthUnit) -> None:
    text = "日本語のテキスト😀 and some English words 👩‍💻 " * 30
    trimmed = trim_to(text, 100, counter(measure, unit))
    assert measure(trimmed, unit) <= 100 and trimmed.endswith("…")


def test_x_weighted_length_counts_cjk_emoji_and_links_like_x() -> None:
    assert measure("日本", LengthUnit.x_weighted) == 4
    assert measure("😀", LengthUnit.x_weighted) == 2
    assert measure("https://example.com/" + "a" * 100, LengthUnit.x_weighted) == 23
    assert grapheme_count("👨‍👩‍👧 🇫🇷 é") == 5
