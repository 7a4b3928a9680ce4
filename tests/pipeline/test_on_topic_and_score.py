"""Drafts stay on topic and the score says why: curation keeps only material about the topic (and
says when nothing matched), and an off-topic or unsupported draft cannot score high."""

from __future__ import annotations

from pathlib import Path

import httpx
from hypothesis import example, given, settings
from hypothesis import strategies as st

from destinations.lengths import measure
from pipeline.base import DraftBrief, DraftResult, PipelineState, RunContext, Source
from pipeline.factory import PipelineConfig, build_stages
from pipeline.runner import run_pipeline
from pipeline.stages.critique import critique_text
from pipeline.stages.curate import NOTHING_MATCHED, curate_sources
from pipeline.stages.plan import plan_all

DEMO_NOTES = Path(__file__).resolve().parents[2] / "launch" / "demo_notes"
CI_TOPIC = "Why we moved our CI from GitHub Actions to self-hosted ARM runners"
RELEASE = Source(
    title="Release 2.4: faster search and a new CLI",
    kind="notes:release-2.4.md",
    excerpt="Search is now three times faster on large workspaces: queries that took 900 ms now "
    "return in under 300 ms. Install it with `pip install acme-cli`.",
)
RUNNERS = Source(
    title="Moving CI to self-hosted ARM runners",
    kind="notes:arm.md",
    excerpt="In May we moved our CI from GitHub Actions to 12 self-hosted ARM runners. "
    "Median build time fell from 14 minutes to 6 minutes.",
)


async def run_with_notes(topic: str, notes: Path) -> DraftResult:
    async with httpx.AsyncClient() as http:
        stages = build_stages(PipelineConfig(notes_dir=str(notes), fetch_topic_urls=False), http)
        return await run_pipeline(DraftBrief(topic=topic, limits={"x": 280}), RunContext(measure=measure), stages)


async def test_the_ci_topic_over_the_demo_notes_borrows_none_of_their_facts_and_says_nothing_matched() -> None:
    result = await run_with_notes(CI_TOPIC, DEMO_NOTES)
    assert result.sources == []
    assert "three times" not in result.text and "acme" not in result.text and "900" not in result.text
    assert result.text.startswith("Why we moved our CI from GitHub Actions to self-hosted ARM runners.")
    assert "what's new with why" not in result.text.lower()
    assert result.critique is not None
    assert result.critique.nothing_matched and result.critique.score <= 6.0
    assert any("No notes or sources matched" in r for r in result.critique.reasons)
    assert all(c.supported for c in result.critique.claims)


async def test_a_matching_note_is_kept_and_its_facts_are_used_with_their_reference(tmp_path: Path) -> None:
    (tmp_path / "arm.md").write_text(f"# {RUNNERS.title}\n\n{RUNNERS.excerpt}\n")
    (tmp_path / "release.md").write_text(f"# {RELEASE.title}\n\n{RELEASE.excerpt}\n")
    result = await run_with_notes(CI_TOPIC, tmp_path)
    assert [s.title for s in result.sources] == [RUNNERS.title]
    assert "6 minutes" in result.text and "900 ms" not in result.text
    assert result.critique is not None
    assert next(c for c in result.critique.claims if c.text == "6 minutes").sources == [1]


def test_curate_drops_what_is_not_about_the_topic_and_says_so() -> None:
    chosen, notes = curate_sources([RELEASE], CI_TOPIC, [], keep=5)
    assert chosen == [] and notes == [NOTHING_MATCHED]
    chosen, notes = curate_sources([RELEASE, RUNNERS], CI_TOPIC, [], keep=5)
    assert [s.title for s in chosen] == [RUNNERS.title] and notes == []
    linked = Source(title="Unrelated words", url="https://example.org/p", kind="web", excerpt="Nothing alike.")
    assert curate_sources([linked], CI_TOPIC, [], keep=5)[0] == [linked.model_copy(update={"score": 0.0})]


def review(topic: str, text: str, material: list[Source]):  # type: ignore[no-untyped-def]
    state = PipelineState(brief=DraftBrief(topic=topic, limits={"x": 280}), material=material, text=text)
    state.plans = plan_all(state.brief, material)
    return critique_text(state, measure)


def test_the_old_demo_draft_cannot_score_high_and_the_score_says_why() -> None:
    old = (
        "What's new with why we moved our CI from GitHub Actions to self-hosted ARM runners?\n\n"
        "Search is now three times faster on large workspaces: queries that took 900 ms now return in under "
        "300 ms. Install it with `pip install acme-cli`.\n\n#Faster #Search"
    )
    verdict = review(CI_TOPIC, old, [RELEASE])
    parts = {p.name: p.score for p in verdict.parts}
    assert verdict.score <= 4.0 and parts["relevance"] < 5
    assert verdict.reasons[0].startswith("Off topic")
    assert set(parts) == {"relevance", "support", "length", "tone"}


def test_an_unsupported_figure_caps_the_score_and_is_named() -> None:
    text = "Why we moved CI to ARM runners: builds are 3× faster now. #CI"
    verdict = review(CI_TOPIC, text, [RUNNERS])
    assert verdict.score <= 5.0
    assert [c.text for c in verdict.claims if not c.supported] == ["3×"]
    assert any("Not in any source: ‘3×’" in r for r in verdict.reasons)


def test_a_grounded_on_topic_draft_scores_high() -> None:
    text = (
        "We moved our CI from GitHub Actions to 12 self-hosted ARM runners. "
        "Median build time fell from 14 minutes to 6 minutes. #CI #ARM"
    )
    verdict = review(CI_TOPIC, text, [RUNNERS])
    assert verdict.score >= 9.0 and all(c.supported for c in verdict.claims)


TOPICS = st.sampled_from(
    [
        CI_TOPIC,
        "faster search in release 2.4",
        "what we shipped this week",
        "Announce the new CLI",
        "Is search faster now?",
        "notes",
    ]
)


@settings(max_examples=40, deadline=None)
@given(
    topic=st.one_of(TOPICS, st.text(min_size=1, max_size=60)),
    feedback=st.sampled_from(
        [None, "shorter", "longer please", "more formal, no hashtags", "make it punchy and add emoji"]
    ),
)
@example(topic="ß000", feedback="shorter")  # 'ß'.upper() is 'SS': capitalising it once invented 'SS000'
async def test_the_offline_writer_never_makes_an_unsupported_claim(topic: str, feedback: str | None) -> None:
    state_notes = [RELEASE, RUNNERS]

    async def material(ctx, state):  # type: ignore[no-untyped-def]
        state.material = [s.model_copy() for s in state_notes]
        return state

    from pipeline.stages.critique import critique
    from pipeline.stages.curate import curate
    from pipeline.stages.plan import plan
    from pipeline.stages.write_offline import write_offline

    brief = DraftBrief(topic=topic, limits={"x": 280}, feedback=feedback, previous_text="An earlier draft.")
    result = await run_pipeline(brief, RunContext(measure=measure), [material, curate, plan, write_offline, critique])
    assert result.critique is not None
    assert [c.text for c in result.critique.claims if not c.supported] == [], result.text
