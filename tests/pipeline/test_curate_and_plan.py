"""Curate ranks by BM25, drops duplicates and recent material; plan picks a form per destination."""

from __future__ import annotations

from pathlib import Path

from pipeline.base import DestinationCapabilities, DraftBrief, LengthUnit, PipelineState, RunContext, Source
from pipeline.bm25 import bm25_scores
from pipeline.sources.feeds import FeedReader
from pipeline.stages.curate import curate
from pipeline.stages.plan import plan, plan_destination

FEED = Path(__file__).parent / "fixtures" / "rust_feed.xml"


def test_bm25_ranks_the_matching_document_first_and_unrelated_at_zero() -> None:
    scores = bm25_scores(
        "async rust runtimes", ["Tokio is an async runtime for Rust", "Pasta recipes", "Rust 1.80 is out"]
    )
    assert scores[0] > scores[2] > scores[1] == 0.0


async def _curated(topic: str, recent: list[str] | None = None) -> PipelineState:
    material = await FeedReader(str(FEED)).read(topic, lambda _: None)
    state = PipelineState(brief=DraftBrief(topic=topic, recent_published=recent or []), material=material)
    return await curate(RunContext(), state)


async def test_curate_keeps_relevant_items_drops_the_mirror_and_the_off_topic_one() -> None:
    state = await _curated("async rust runtime scheduler")
    titles = [s.title for s in state.material]
    assert titles[0] == "Tokio 1.40 brings a faster scheduler"
    assert "Pasta night recipes" not in titles
    assert not any("mirror" in t for t in titles)
    assert state.material[0].score > 0 and state.material[0].url


async def test_curate_skips_what_a_recent_post_already_used() -> None:
    state = await _curated(
        "async rust runtime scheduler", recent=["Loved this: https://tokio.rs/blog/2024-tokio-1-40 #rust"]
    )
    titles = [s.title for s in state.material]
    assert "Tokio 1.40 brings a faster scheduler" not in titles
    assert titles == ["smol 2.0 simplifies async executors"]
    assert any("already used" in w for w in state.warnings)


async def test_curate_falls_back_to_local_notes_and_commits_when_nothing_matches() -> None:
    material = [
        Source(title="Fix login redirect", excerpt="Fix login redirect.", kind="git:abc123"),
        Source(title="Pasta", excerpt="Cook pasta", kind="feed"),
    ]
    state = PipelineState(brief=DraftBrief(topic="what shipped this week"), material=material)
    state = await curate(RunContext(), state)
    assert [s.title for s in state.material] == ["Fix login redirect"]


def test_a_markdown_destination_without_a_tight_limit_gets_an_article() -> None:
    caps = DestinationCapabilities(max_length=None, markdown=True)
    assert plan_destination("devto", caps, None, 0).form == "article"


def test_a_thread_capable_destination_gets_a_thread_only_with_enough_material() -> None:
    caps = DestinationCapabilities(max_length=280, length_unit=LengthUnit.x_weighted, threads=True)
    assert plan_destination("x", caps, None, 1).form == "single"
    rich = plan_destination("x", caps, None, 8)
    assert (rich.form, rich.parts, rich.length_unit) == ("thread", 4, LengthUnit.x_weighted)


async def test_plan_uses_limits_when_no_capabilities_are_given_and_titles_articles() -> None:
    brief = DraftBrief(
        topic="Async Rust in 2024 https://example.org/x",
        destinations=["mastodon", "devto"],
        limits={"mastodon": 500},
        capabilities={"devto": DestinationCapabilities(max_length=None, markdown=True)},
    )
    state = await plan(RunContext(), PipelineState(brief=brief))
    assert state.plans["mastodon"].form == "single" and state.plans["mastodon"].max_length == 500
    assert state.plans["devto"].form == "article"
    assert state.title == "Async Rust in 2024"
    assert state.tags[:2] == ["async", "rust"]
