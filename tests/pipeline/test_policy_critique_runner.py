"""Policy verdicts, critique scores, and a whole run through the factory's stages."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx

from destinations.lengths import measure
from pipeline.base import DestinationCapabilities, DraftBrief, LengthUnit, PipelineState, RunContext, Source
from pipeline.factory import ENV_VARS, PipelineConfig, build_context, build_stages, config_from_env
from pipeline.runner import run_pipeline
from pipeline.stages.critique import critique_text
from pipeline.stages.plan import plan_all
from pipeline.stages.policy import check_draft

FEED = Path(__file__).parent / "fixtures" / "rust_feed.xml"
SOURCE = Source(title="Tokio", url="https://tokio.rs/blog/1-40", excerpt="Thanks @carllerche for 1.40.", kind="feed")


def test_x_length_is_counted_the_way_x_counts_it() -> None:
    brief = DraftBrief(
        topic="t", capabilities={"x": DestinationCapabilities(max_length=280, length_unit=LengthUnit.x_weighted)}
    )
    verdict = check_draft(brief, "日本語" * 50, [], measure=measure)
    assert not verdict.ok
    assert verdict.problems == ["Too long for x: 300/280 (X-weighted length)."]
    assert check_draft(brief, "a" * 280, [], measure=measure).ok


def test_mastodon_length_counts_a_link_as_23_characters() -> None:
    brief = DraftBrief(
        topic="t", capabilities={"mastodon": DestinationCapabilities(max_length=60, length_unit=LengthUnit.mastodon)}
    )
    link = "https://tokio.rs/blog/" + "long-path/" * 10
    assert check_draft(brief, "Read " + link, [SOURCE.model_copy(update={"url": link})], measure=measure).ok
    verdict = check_draft(brief, "x" * 40 + " " + link, [SOURCE.model_copy(update={"url": link})], measure=measure)
    assert verdict.problems == ["Too long for mastodon: 64/60 characters (a link counts 23)."]


def test_limits_without_capabilities_still_count_characters() -> None:
    verdict = check_draft(DraftBrief(topic="t", limits={"mastodon": 10}), "eleven chars", [])
    assert verdict.problems == ["Too long for mastodon: 12/10 characters."]


def test_links_and_mentions_not_in_the_sources_are_problems_and_supported_ones_are_not() -> None:
    brief = DraftBrief(topic="tokio")
    text = "Read https://tokio.rs/blog/1-40 — thanks @carllerche! Also https://evil.example and @someone"
    verdict = check_draft(brief, text, [SOURCE])
    assert verdict.problems == [
        "Links to https://evil.example, which none of the sources contain.",
        "Mentions @someone, who does not appear in the sources.",
    ]


def test_broadcast_mentions_are_never_supported() -> None:
    verdict = check_draft(DraftBrief(topic="ping @channel"), "Hey @channel look", [])
    assert any("@channel" in p for p in verdict.problems)


def test_blocked_terms_and_bidi_controls_are_reported_but_emoji_joiners_are_fine() -> None:
    brief = DraftBrief(topic="t", blocked_terms=["Acme"])
    verdict = check_draft(brief, "We love acme\u202e and \u200b", [])
    assert "Contains the blocked term “Acme”." in verdict.problems
    assert any("U+202E" in p and "U+200B" in p for p in verdict.problems)
    assert check_draft(DraftBrief(topic="t"), "Our team 👩\u200d💻 ships", []).ok


def test_a_thread_destination_accepts_a_long_text_up_to_its_part_limit() -> None:
    caps = DestinationCapabilities(max_length=280, length_unit=LengthUnit.x_weighted, threads=True)
    brief = DraftBrief(topic="t", destinations=["x"], capabilities={"x": caps})
    plans = plan_all(brief, [Source(title="s", excerpt="One. Two. Three. Four. Five. Six. Seven. Eight.")])
    assert check_draft(brief, "A fine sentence here. " * 20, [], plans, measure=measure).ok
    assert not check_draft(brief, "A fine sentence here. " * 80, [], plans, measure=measure).ok


def test_critique_flags_unsupported_figures_and_too_many_hashtags() -> None:
    state = PipelineState(
        brief=DraftBrief(topic="tokio", limits={"x": 280}),
        material=[SOURCE],
        text="Tokio is 73% faster now. #a #b #c #d",
    )
    state.plans = plan_all(state.brief, state.material)
    verdict = critique_text(state)
    assert verdict.score < 8
    assert any("73%" in r for r in verdict.reasons) and any("4 hashtags" in r for r in verdict.reasons)


async def test_the_default_run_is_offline_and_reports_progress_for_each_step() -> None:
    phrases: list[str] = []

    async def progress(phrase: str) -> None:
        phrases.append(phrase)

    result = await run_pipeline(DraftBrief(topic="Weekly changelog"), RunContext(progress=progress))
    assert [s.name for s in result.stages] == ["collect", "curate", "plan", "write_offline", "critique", "policy"]
    assert phrases == ["planning…", "writing…", "reviewing…", "checking…"]
    assert result.policy.ok and result.text


def _repo(path: Path) -> None:
    git = ["git", "-C", str(path), "-c", "user.name=T", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    (path / "scheduler.rs").write_text("fn main() {}\n")
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "Make the async scheduler fairer"], check=True)


async def test_a_configured_run_uses_feeds_notes_and_git_and_keeps_provenance(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "rust.md").write_text("# Async Rust plans\nWe will write about the async Rust scheduler work.")
    _repo(tmp_path)
    config = PipelineConfig(feeds=(str(FEED), str(tmp_path / "gone.xml")), notes_dir=str(notes), git_repo=str(tmp_path))
    result = await run_pipeline(
        DraftBrief(topic="async rust scheduler", limits={"x": 280}), RunContext(), build_stages(config, http)
    )
    kinds = {s.kind.split(":")[0] for s in result.sources}
    assert {"feed", "notes", "git"} <= kinds
    assert any(s.url == "https://tokio.rs/blog/2024-tokio-1-40" for s in result.sources)
    assert any("gone.xml" in w for w in result.stages[0].warnings)
    assert len(result.text) <= 280 and result.policy.ok, result.policy.problems


def test_config_from_env_maps_the_proposed_variable_names() -> None:
    config = config_from_env(
        {
            "LLM_BASE_URL": "http://llm.local/v1",
            "LLM_API_KEY": "k",
            "LLM_MODEL": "m",
            "SIGNOFF_FEEDS": "https://a.example/rss, /srv/feed.xml",
            "SIGNOFF_NOTES_DIR": "/n",
            "SIGNOFF_GIT_REPO": "/r",
            "SIGNOFF_FETCH_TOPIC_URLS": "false",
            "LLM_TIMEOUT_S": "12",
        }
    )
    assert config == PipelineConfig(
        llm_base_url="http://llm.local/v1",
        llm_api_key="k",
        llm_model="m",
        llm_timeout_s=12.0,
        feeds=("https://a.example/rss", "/srv/feed.xml"),
        notes_dir="/n",
        git_repo="/r",
        fetch_topic_urls=False,
    )
    assert set(ENV_VARS) >= {"LLM_BASE_URL", "SIGNOFF_FEEDS", "SIGNOFF_NOTES_DIR", "SIGNOFF_GIT_REPO"}


def test_config_from_env_reads_the_run_deadline_and_the_model_attempts() -> None:
    config = config_from_env({"SIGNOFF_RUN_TIMEOUT_S": "50", "LLM_MAX_ATTEMPTS": "2", "LLM_TIMEOUT_S": "20"})
    assert (config.run_deadline_s, config.llm_max_attempts, config.llm_timeout_s) == (50.0, 2, 20.0)
    defaults = PipelineConfig()
    assert (defaults.run_deadline_s, defaults.llm_timeout_s, defaults.llm_max_attempts) == (45.0, 30.0, 4)


def test_a_context_built_for_a_run_carries_a_deadline_of_its_budget() -> None:
    ctx = build_context(deadline_s=12)
    assert ctx.deadline is not None and ctx.deadline.budget_s == 12 and 0 < ctx.deadline.left_s() <= 12
