"""Sources read real inputs: a feed file, a notes folder, a git repo, a local web page."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web

from pipeline.base import DraftBrief, PipelineState, RunContext
from pipeline.fetch import FetchPolicy
from pipeline.readable import readable_text
from pipeline.sources.feeds import FeedReader
from pipeline.sources.git import GitLogReader
from pipeline.sources.notes import NotesReader
from pipeline.sources.web import TopicUrlReader, urls_in
from pipeline.stages.collect import make_collect

FEED = Path(__file__).parent / "fixtures" / "rust_feed.xml"
ATOM = Path(__file__).parent / "fixtures" / "atom_feed.xml"


def warnings_sink() -> tuple[list[str], Callable[[str], None]]:
    seen: list[str] = []
    return seen, seen.append


async def test_an_rss_file_becomes_sources_with_links_and_plain_text() -> None:
    seen, warn = warnings_sink()
    sources = await FeedReader(str(FEED)).read("rust", warn)
    assert [s.title for s in sources][:2] == ["Tokio 1.40 brings a faster scheduler", "Pasta night recipes"]
    assert sources[0].url == "https://tokio.rs/blog/2024-tokio-1-40"
    assert "<p>" not in sources[0].excerpt and "task dumps" in sources[0].excerpt
    assert all(s.kind == "feed" for s in sources) and not seen


async def test_an_atom_file_is_read_too() -> None:
    sources = await FeedReader(str(ATOM)).read("", lambda _: None)
    assert sources[0].title == "Signoff 0.2 adds Bluesky threads"
    assert sources[0].url == "https://example.org/signoff-0-2"


async def test_a_feed_served_over_http_is_fetched_through_the_guard(http: httpx.AsyncClient, serve_app: Any) -> None:
    async def feed(request: web.Request) -> web.Response:
        return web.Response(body=FEED.read_bytes(), content_type="application/rss+xml")

    app = web.Application()
    app.router.add_get("/feed", feed)
    async with serve_app(app) as server:
        policy = FetchPolicy(allowed_endpoints=frozenset({("127.0.0.1", server.port)}))
        sources = await FeedReader(f"http://127.0.0.1:{server.port}/feed", http, policy).read("", print)
    assert len(sources) == 4


async def test_a_notes_folder_gives_one_source_per_note_with_its_heading_as_title(tmp_path: Path) -> None:
    (tmp_path / "release.md").write_text("# Release plan\n\n- Ship the **Bluesky** threads on Friday.\n")
    (tmp_path / "ideas.txt").write_text("Offline drafts should read like real posts.")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "secret.md").write_text("nope")
    sources = await NotesReader(str(tmp_path)).read("", lambda _: None)
    titles = sorted(s.title for s in sources)
    assert titles == ["Release plan", "ideas"]
    release = next(s for s in sources if s.title == "Release plan")
    assert release.excerpt.startswith("Ship the **Bluesky** threads") and release.kind == "notes:release.md"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@example.org", *args],
        check=True,
        capture_output=True,
    )


async def test_git_history_gives_commit_subjects_and_changed_files(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    (tmp_path / "feeds.py").write_text("x = 1\n")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "Add RSS feed support")
    (tmp_path / "notes.py").write_text("y = 2\n")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "Read local notes")
    sources = await GitLogReader(str(tmp_path)).read("", lambda _: None)
    assert [s.title for s in sources] == ["Read local notes", "Add RSS feed support"]
    assert "Changed: notes.py" in sources[0].excerpt and sources[0].kind.startswith("git:")


def test_urls_are_found_in_the_topic_without_trailing_punctuation() -> None:
    assert urls_in("see https://a.example/x, and (http://b.example/y).") == [
        "https://a.example/x",
        "http://b.example/y",
    ]


def test_readable_text_keeps_paragraphs_and_drops_scripts_and_navigation() -> None:
    html = """<html><head><title>Big news</title><script>alert('x')</script></head><body>
      <nav>Home About Blog Contact Careers Pricing Login</nav>
      <article><h1>Big news</h1><p>The new scheduler cuts tail latency by a third in our tests.</p>
      <p>It ships &amp; is on by default in the next release of the runtime.</p></article>
      <footer>Copyright 2024 all rights reserved by the company</footer></body></html>"""
    title, text = readable_text(html)
    assert title == "Big news"
    assert text.splitlines() == [
        "The new scheduler cuts tail latency by a third in our tests.",
        "It ships & is on by default in the next release of the runtime.",
    ]


async def test_collect_reads_the_linked_page_and_turns_failures_into_warnings(
    http: httpx.AsyncClient, serve_app: Any, tmp_path: Path
) -> None:
    async def page(request: web.Request) -> web.Response:
        return web.Response(
            text="<title>Latency</title><p>The new scheduler cuts tail latency by a third.</p>",
            content_type="text/html",
        )

    app = web.Application()
    app.router.add_get("/post", page)
    reports: list[str] = []

    async def progress(phrase: str) -> None:
        reports.append(phrase)

    async with serve_app(app) as server:
        policy = FetchPolicy(allowed_endpoints=frozenset({("127.0.0.1", server.port)}))
        stage = make_collect(
            [TopicUrlReader(http, policy), FeedReader(str(tmp_path / "missing.xml")), GitLogReader(str(tmp_path))]
        )
        brief = DraftBrief(topic=f"scheduler news http://127.0.0.1:{server.port}/post and http://10.0.0.1/x")
        state = await stage(RunContext(progress=progress), PipelineState(brief=brief))
    assert [s.title for s in state.material] == ["Latency"]
    assert state.material[0].kind == "web"
    assert any("non-public" in w for w in state.warnings)
    assert any("missing.xml" in w for w in state.warnings)
    assert any("git log failed" in w for w in state.warnings)
    assert reports == ["collecting 3 sources…"]
